/**
 * Offline verifier of a Yiwang transparency log (透明日志离线校验).
 *
 *   npx tsx apps/server/src/modules/transparency/verify-cli.ts --key log.pem --dump log.ndjson
 *   npx tsx apps/server/src/modules/transparency/verify-cli.ts --key log.pem --url https://node.example
 *
 * --key FILE          the log's Ed25519 public key, PEM (SPKI) or JWK — obtained out of band
 * --dump FILE         a dump (NDJSON) to verify, or --url BASE to audit a node through its API
 * --trusted-sth FILE  a tree head saved by an earlier audit: the log must extend it
 * --save-sth FILE     save the verified latest tree head, for the next audit's --trusted-sth
 * --write-dump FILE   with --url: also write what was fetched as a dump
 * --samples N         inclusion proofs to check (default 100; all leaves when fewer)
 *
 * Exit status 0 when everything verifies, 1 when a problem was found, 2 on bad usage.
 */
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DUMP_FORMAT, keyIdOf, parsePublicKey, type SignedTreeHead } from './sth';
import { verifyDump, verifyRemote, type VerifyReport } from './verifier';

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        key: { type: 'string' },
        dump: { type: 'string' },
        url: { type: 'string' },
        'trusted-sth': { type: 'string' },
        'save-sth': { type: 'string' },
        'write-dump': { type: 'string' },
        samples: { type: 'string' },
      },
    }).values;
  } catch (err) {
    out(`usage error: ${(err as Error).message}`);
    return 2;
  }
  if (!args.key || !!args.dump === !!args.url) {
    out('usage: verify-cli --key PUBLIC_KEY (--dump FILE | --url BASE_URL) [--trusted-sth FILE] [--save-sth FILE] [--write-dump FILE] [--samples N]');
    return 2;
  }
  const key = parsePublicKey(readFileSync(args.key, 'utf8'));
  const trustedSth = args['trusted-sth'] ? (JSON.parse(readFileSync(args['trusted-sth'], 'utf8')) as SignedTreeHead) : undefined;
  const samples = args.samples ? Number(args.samples) : undefined;

  let report: VerifyReport;
  if (args.dump) {
    report = await verifyDump(createInterface({ input: createReadStream(args.dump), crlfDelay: Infinity }), key, { trustedSth, samples });
  } else {
    // The dump is written as the audit goes: header and tree head first, then each entry.
    const dump = args['write-dump'] ? createWriteStream(args['write-dump']) : null;
    report = await verifyRemote(args.url!, key, {
      trustedSth,
      samples,
      onSth: dump ? (sth) => dump.write(`${JSON.stringify({ format: DUMP_FORMAT, keyId: keyIdOf(key), treeSize: sth.treeSize })}\n${JSON.stringify({ sth })}\n`) : undefined,
      onEntry: dump ? (index, entry) => dump.write(`${JSON.stringify({ index, entry })}\n`) : undefined,
    });
    if (dump) await new Promise((r) => dump.end(r));
  }
  for (const c of report.checks) out(`  ok    ${c}`);
  for (const p of report.problems) out(`  FAIL  ${p}`);
  out(report.ok ? `VERIFIED: ${report.treeSize} entries, root ${report.rootHash}` : `NOT VERIFIED: ${report.problems.length} problem(s)`);
  if (report.ok && args['save-sth'] && report.latestSth) writeFileSync(args['save-sth'], `${JSON.stringify(report.latestSth, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`error: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
