/**
 * Offline verifier of an e-licence presentation (电子证照离线核验): needs only the node's trust
 * list (and, to check revocation without a network, cached status list tokens).
 *
 *   npx tsx apps/server/src/modules/licences/verify-cli.ts <presentation|file> --trust-list trust-list.json
 *       [--node-key node-key.json] [--status-list status.jwt …] [--require-status] [--max-age 600] [--at 2026-11-24T08:00:00Z]
 *
 * <presentation>     the SD-JWT presentation (issuer JWT ~ disclosures ~ KB-JWT), or a file holding it
 *                    (plain, or JSON with a "presentation" member as GET /api/licences/presentations/:id answers)
 * --trust-list FILE  GET /api/licences/trust-list saved (JSON with "token"), or the bare trust-list+jwt
 * --node-key FILE    the node's key (GET /api/licences/node-key, obtained out of band): the trust list's
 *                    signature is checked against it; without it the list is taken as given (said so)
 * --status-list FILE a saved status list token (GET /api/licences/status-lists/:id); repeatable. Without
 *                    one for the licence's list, its status is reported as unchecked
 * --require-status   refuse when the status cannot be checked
 * --max-age SECONDS  how old the holder's key binding may be (default 600, the node's default lifetime)
 * --at TIME          verify as of this time (ISO 8601), e.g. when the presentation was shown
 *
 * Prints the result as JSON; exit status 0 when valid, 1 when refused, 2 on bad usage or a bad trust list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { verifySignature, type Jwk } from './crypto/algorithms';
import { decodeJws } from './crypto/jws';
import { verifyPresentation, type TrustResolver } from './verifier';

interface ListIssuer {
  iss: string;
  name: string;
  nameEn: string;
  regionCode: string;
  local?: boolean;
  keys: Jwk[];
}

const readMaybeFile = (v: string) => (existsSync(v) ? readFileSync(v, 'utf8').trim() : v.trim());

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'trust-list': { type: 'string' },
        'node-key': { type: 'string' },
        'status-list': { type: 'string', multiple: true },
        'require-status': { type: 'boolean' },
        'max-age': { type: 'string' },
        at: { type: 'string' },
        audience: { type: 'string' },
      },
    });
  } catch (err) {
    out(`usage error: ${(err as Error).message}`);
    return 2;
  }
  const { values: args, positionals } = parsed;
  if (positionals.length !== 1 || !args['trust-list']) {
    out('usage: verify-cli.ts <presentation|file> --trust-list FILE [--node-key FILE] [--status-list FILE …] [--require-status] [--max-age S] [--at TIME]');
    return 2;
  }
  let presentation = readMaybeFile(positionals[0]);
  if (presentation.startsWith('{')) presentation = String((JSON.parse(presentation) as { presentation?: string }).presentation ?? '');

  // The trust list: its signed token is authoritative (the JSON copy beside it is not signed).
  const rawList = readFileSync(args['trust-list'], 'utf8').trim();
  const token = rawList.startsWith('{') ? String((JSON.parse(rawList) as { token?: string }).token ?? '') : rawList;
  let list;
  try {
    list = decodeJws(token);
  } catch {
    out('trust list: not a signed trust list (trust-list+jwt)');
    return 2;
  }
  if (list.header.typ !== 'trust-list+jwt') {
    out('trust list: not a signed trust list (trust-list+jwt)');
    return 2;
  }
  const now = args.at ? Math.floor(Date.parse(args.at) / 1000) : Math.floor(Date.now() / 1000);
  if (!Number.isFinite(now)) {
    out('usage error: --at is not a time');
    return 2;
  }
  let trustListSignature: 'verified' | 'not checked (no --node-key)' = 'not checked (no --node-key)';
  if (args['node-key']) {
    const key = JSON.parse(readFileSync(args['node-key'], 'utf8')) as Jwk;
    if (!verifySignature(list.header.alg, key, Buffer.from(list.signingInput, 'ascii'), list.signature)) {
      out('trust list: signature does not verify with the node key — refusing to use it');
      return 2;
    }
    trustListSignature = 'verified';
  }
  if (typeof list.payload.exp === 'number' && list.payload.exp < now) {
    out(`trust list: expired at ${new Date(list.payload.exp * 1000).toISOString()}; fetch a current one`);
    return 2;
  }
  const issuers = (list.payload.issuers ?? []) as ListIssuer[];
  const statusTokens = new Map<string, string>();
  for (const f of args['status-list'] ?? []) {
    const t = readMaybeFile(f);
    try {
      const sub = decodeJws(t).payload.sub;
      if (typeof sub === 'string') statusTokens.set(sub, t);
    } catch {
      out(`status list ${f}: not a token, ignored`);
    }
  }
  const trust: TrustResolver = {
    issuerKey: (iss, kid) => {
      const i = issuers.find((x) => x.iss === iss);
      if (!i) return 'untrusted';
      const jwk = i.keys.find((k) => k.kid === kid);
      return jwk ? { jwk, issuer: { iss, name: i.name, nameEn: i.nameEn, regionCode: i.regionCode, local: !!i.local } } : 'unknown_key';
    },
    statusListToken: (uri) => statusTokens.get(uri),
  };
  const result = await verifyPresentation(presentation, {
    trust,
    audience: args.audience ?? String(list.payload.audience ?? `${String(list.payload.iss)}/verify`),
    maxPresentationAgeSeconds: args['max-age'] ? Number(args['max-age']) : 600,
    now,
    allowUncheckedStatus: !args['require-status'],
  });
  out(JSON.stringify({ trustList: { node: list.payload.iss, issuedAt: new Date(Number(list.payload.iat) * 1000).toISOString(), signature: trustListSignature, issuers: issuers.length }, ...result }, null, 2));
  return result.valid ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
