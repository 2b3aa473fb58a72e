/**
 * The transparency log on both databases, through app.inject: appends inside callers'
 * transactions, batched integration, signed tree heads, entries and proofs, bad input, concurrent
 * appenders with two sequencers, and the offline verifier finding altered, deleted and rewritten
 * entries.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../app';
import { openDatabase } from '../../db/database';
import { fieldCrypto } from '../../shared/crypto';
import { DB_KINDS, freshDatabaseUrl, testConfig } from '../../../../../test/helpers';
import { appendManyToLog, appendToLog, TransparencyLog } from './index';
import { MemoryTree, leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { parsePublicKey, verifyTreeHead, type SignedTreeHead } from './sth';
import { verifyDump, verifyRemote } from './verifier';
import { main as cli } from './verify-cli';

const b = (s: string) => Buffer.from(s, 'base64');

describe.each(DB_KINDS)('transparency log on %s', (kind) => {
  let app: FastifyInstance;
  let url: string;
  let log: TransparencyLog;
  const get = async (path: string) => app.inject({ method: 'GET', url: `/api/transparency${path}` });
  const appFetch = async (u: string) => {
    const x = new URL(u);
    const res = await app.inject({ method: 'GET', url: x.pathname + x.search });
    return { ok: res.statusCode < 400, status: res.statusCode, json: async () => res.json() };
  };
  const key = async () => parsePublicKey((await get('/public-key')).json().publicKeyPem);
  /** Appends entries in one transaction, as a module would, and returns their leaf hashes. */
  const append = (n: number, tag: string, offset = 0) =>
    app.database.db.transaction().execute(async (trx) => {
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) hashes.push((await appendToLog(trx, { type: 'test.event', subject: `subject-${tag}`, n: offset + i, 名称: '透明日志' })).leafHash);
      return hashes;
    });
  const entriesText = async () => (await app.database.db.selectFrom('tlog_leaves').select('entry').orderBy('idx').execute()).map((r) => Buffer.from(r.entry).toString('utf8'));

  beforeAll(async () => {
    url = await freshDatabaseUrl(kind);
    app = await buildApp(testConfig(url, { DEMO_DATA: false }));
    log = app.services.transparency;
    await log.stop(); // the tests drive integration themselves
  });
  afterAll(async () => app?.close());

  it('starts empty with a signed head over the empty root', async () => {
    const sth = (await get('/sth')).json() as SignedTreeHead;
    expect(sth).toMatchObject({ treeSize: 0, rootHash: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' });
    expect(verifyTreeHead(await key(), sth)).toBe(true);
    expect(verifyTreeHead(await key(), { ...sth, treeSize: 1 })).toBe(false);
    const pk = (await get('/public-key')).json();
    expect(pk).toMatchObject({ algorithm: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' } });
    // The private half is stored sealed, never in clear.
    const meta = await app.database.db.selectFrom('node_meta').select('value').where('key', '=', 'transparency.signing_key').executeTakeFirstOrThrow();
    expect(JSON.stringify(meta.value)).not.toMatch(/PRIVATE KEY/);
  });

  it('logs what committed, not what rolled back, once the sequencer has integrated it', async () => {
    const hashes = await append(5, 'a');
    await expect(
      app.database.db.transaction().execute(async (trx) => {
        await appendToLog(trx, { type: 'test.event', subject: 'rolled-back', n: -1 });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await get('/sth')).json().treeSize).toBe(0); // queued, not yet integrated
    await log.flush();
    const sth = (await get('/sth')).json() as SignedTreeHead;
    expect(sth.treeSize).toBe(5);
    expect(verifyTreeHead(await key(), sth)).toBe(true);
    const texts = await entriesText();
    expect(texts.some((t) => t.includes('rolled-back'))).toBe(false);
    expect(texts.map((t) => leafHash(Buffer.from(t)).toString('base64'))).toEqual(hashes);
    expect(new MemoryTree(texts.map((t) => leafHash(Buffer.from(t)))).root().toString('base64')).toBe(sth.rootHash);
    // Canonical JSON: sorted keys, no spaces, UTF-8.
    expect(texts[0]).toMatch(/^\{"at":"[^"]+","n":0,"subject":"subject-a","type":"test.event","名称":"透明日志"\}$/);
  });

  it('serves entries, inclusion proofs by index or hash, and consistency proofs that verify', async () => {
    await append(300, 'b', 5); // crosses a tile boundary (256)
    await log.flush();
    const sth = (await get('/sth')).json() as SignedTreeHead;
    expect(sth.treeSize).toBe(305);
    const texts = await entriesText();
    const tree = new MemoryTree(texts.map((t) => leafHash(Buffer.from(t))));

    const e = (await get('/entries/7')).json();
    expect(e).toEqual({ index: 7, leafHash: tree.node({ height: 0, index: 7 }).toString('base64'), entry: texts[7] });
    const page = (await get('/entries?start=250&limit=10')).json();
    expect(page.map((x: { index: number }) => x.index)).toEqual([250, 251, 252, 253, 254, 255, 256, 257, 258, 259]);

    for (const i of [0, 4, 255, 256, 304]) {
      const p = (await get(`/proofs/inclusion?leafIndex=${i}`)).json();
      expect(p.treeSize).toBe(305);
      expect(verifyInclusion(i, 305, leafHash(Buffer.from(texts[i])), p.auditPath.map(b), b(sth.rootHash))).toBe(true);
    }
    // By leaf hash (base64 URL-encoded, base64url and hex), for an older tree size.
    const leaf = tree.node({ height: 0, index: 3 });
    for (const enc of [encodeURIComponent(leaf.toString('base64')), leaf.toString('base64url'), leaf.toString('hex')]) {
      const p = (await get(`/proofs/inclusion?leafHash=${enc}&treeSize=5`)).json();
      expect(p.leafIndex).toBe(3);
      expect(verifyInclusion(3, 5, leaf, p.auditPath.map(b), tree.root(5))).toBe(true);
    }
    for (const [m, n] of [[5, 305], [1, 305], [256, 305], [300, 305], [305, 305], [0, 305]]) {
      const c = (await get(`/proofs/consistency?first=${m}&second=${n}`)).json();
      expect(verifyConsistency(m, n, tree.root(m), tree.root(n), c.consistency.map(b)), `${m} → ${n}`).toBe(true);
    }
    expect((await get('/proofs/consistency?first=5')).json().second).toBe(305);
    expect((await log.rootAt(5)).equals(tree.root(5))).toBe(true);
  });

  it('appends a batch in one insert (appendManyToLog): in order, each entry its own provable leaf, nothing on rollback', async () => {
    const before = (await get('/sth')).json().treeSize as number;
    const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'test.batch', subject: `batch-${i}`, n: i }));
    const out = await app.database.db.transaction().execute((trx) => appendManyToLog(trx, batch));
    await expect(
      app.database.db.transaction().execute(async (trx) => {
        await appendManyToLog(trx, [{ type: 'test.batch', subject: 'rolled-back', n: -1 }]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await app.database.db.transaction().execute((trx) => appendManyToLog(trx, []))).toEqual([]);
    await log.flush();
    const sth = (await get('/sth')).json() as SignedTreeHead;
    expect(sth.treeSize).toBe(before + 20);
    const texts = (await entriesText()).slice(before);
    expect(texts.map((t) => JSON.parse(t).subject)).toEqual(batch.map((e) => e.subject));
    expect(texts.map((t) => leafHash(Buffer.from(t)).toString('base64'))).toEqual(out.map((o) => o.leafHash));
    const p = (await get(`/proofs/inclusion?leafHash=${encodeURIComponent(out[7].leafHash)}`)).json();
    expect(p.leafIndex).toBe(before + 7);
    expect(verifyInclusion(before + 7, sth.treeSize, b(out[7].leafHash), p.auditPath.map(b), b(sth.rootHash))).toBe(true);
  });

  it.each([
    ['a tree size beyond the latest head', '/proofs/inclusion?leafIndex=0&treeSize=100000', 400, 'TLOG_TREE_SIZE_UNKNOWN', 'querystring/treeSize'],
    ['neither index nor hash', '/proofs/inclusion', 400, 'TLOG_PROOF_TARGET', 'querystring/leafIndex'],
    ['both index and hash', `/proofs/inclusion?leafIndex=0&leafHash=${'00'.repeat(32)}`, 400, 'TLOG_PROOF_TARGET', 'querystring/leafIndex'],
    ['an unknown leaf hash', `/proofs/inclusion?leafHash=${'ab'.repeat(32)}`, 404, 'TLOG_LEAF_NOT_FOUND', 'querystring/leafHash'],
    ['a malformed leaf hash', `/proofs/inclusion?leafHash=${'x'.repeat(44)}`, 400, 'TLOG_LEAF_HASH_INVALID', 'querystring/leafHash'],
    ['a leaf outside the tree size', '/proofs/inclusion?leafIndex=10&treeSize=5', 400, 'TLOG_LEAF_OUTSIDE_TREE', 'querystring/treeSize'],
    ['first after second', '/proofs/consistency?first=10&second=5', 400, 'TLOG_CONSISTENCY_RANGE', 'querystring/first'],
    ['an entry that does not exist', '/entries/99999', 404, 'TLOG_LEAF_NOT_FOUND', 'params/index'],
    ['a negative index', '/entries/-1', 400, 'VALIDATION_FAILED', 'params/index'],
    ['too large a page', '/entries?limit=5000', 400, 'VALIDATION_FAILED', 'querystring/limit'],
  ])('refuses %s', async (_name, path, status, code, field) => {
    const res = await get(path);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ code, field });
    expect(res.json().message.zh).toMatch(/[\u4e00-\u9fff]/);
  });

  it('integrates concurrent appenders exactly once with two sequencers competing', async () => {
    const before = (await get('/sth')).json().treeSize as number;
    // A second "process": its own connection pool (PostgreSQL) and its own sequencer instance.
    const other = kind === 'postgres' ? await openDatabase({ url, dataDir: '/tmp/unused' }) : app.database;
    const rival = new TransparencyLog({ db: other.db, crypto: fieldCrypto(testConfig(url).DATA_SECRET), batchSize: 7 });
    await rival.init();
    const mine = new TransparencyLog({ db: app.database.db, crypto: fieldCrypto(testConfig(url).DATA_SECRET), batchSize: 11 });
    await mine.init();
    let writing = true;
    const sequencers = [mine, rival].map(async (s) => {
      while (writing) await s.integrate();
    });
    const writers = Array.from({ length: 20 }, (_, w) => append(5, `w${w}`, w * 5));
    const written = (await Promise.all(writers)).flat();
    writing = false;
    await Promise.all(sequencers);
    await mine.flush();
    if (other !== app.database) await other.close();

    const sth = (await get('/sth')).json() as SignedTreeHead;
    expect(sth.treeSize).toBe(before + 100);
    const rows = await app.database.db.selectFrom('tlog_leaves').select(['idx', 'leaf_hash']).orderBy('idx').execute();
    expect(rows.map((r) => Number(r.idx))).toEqual(Array.from({ length: before + 100 }, (_, i) => i));
    const logged = rows.slice(before).map((r) => Buffer.from(r.leaf_hash).toString('base64'));
    expect(new Set(logged)).toEqual(new Set(written));
    // Every head the two sequencers signed is consistent with the last one.
    const heads = await app.database.db.selectFrom('tlog_sths').selectAll().where('tree_size', '>', before).orderBy('tree_size').execute();
    expect(heads.length).toBeGreaterThan(1);
    for (const h of heads) {
      const c = (await get(`/proofs/consistency?first=${h.tree_size}&second=${sth.treeSize}`)).json();
      expect(verifyConsistency(Number(h.tree_size), sth.treeSize, Buffer.from(h.root_hash), b(sth.rootHash), c.consistency.map(b))).toBe(true);
    }
  });

  describe('the offline verifier', () => {
    let dir: string;
    let dumpLines: string[];
    let trusted: SignedTreeHead;
    const dump = async () => {
      const lines: string[] = [];
      await log.exportDump((l) => {
        lines.push(l);
      });
      return lines;
    };
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'yw-tlog-'));
      writeFileSync(join(dir, 'key.pem'), (await get('/public-key')).json().publicKeyPem);
      dumpLines = await dump();
      trusted = (await get('/sth')).json();
      writeFileSync(join(dir, 'trusted.json'), JSON.stringify(trusted));
    });

    it('verifies an honest log from a dump and from the node, and the command says so', async () => {
      const fromDump = await verifyDump(dumpLines, await key(), { samples: 50 });
      expect(fromDump.problems).toEqual([]);
      expect(fromDump.ok).toBe(true);
      expect(fromDump.treeSize).toBe(trusted.treeSize);
      const remote = await verifyRemote('http://node', await key(), { fetch: appFetch, trustedSth: trusted, samples: 20 });
      expect(remote.problems).toEqual([]);
      expect(remote.checks.join('\n')).toMatch(/consistent with the trusted tree head/);

      writeFileSync(join(dir, 'dump.ndjson'), `${dumpLines.join('\n')}\n`);
      const out: string[] = [];
      const code = await cli(['--key', join(dir, 'key.pem'), '--dump', join(dir, 'dump.ndjson'), '--trusted-sth', join(dir, 'trusted.json'), '--save-sth', join(dir, 'saved.json')], (l) => out.push(l));
      expect(out.join('\n')).toMatch(/^VERIFIED: \d+ entries/m);
      expect(code).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'saved.json'), 'utf8'))).toEqual(trusted);
      expect(await cli(['--dump', 'x'], () => {})).toBe(2);
    });

    it('audits a node over HTTP and writes a dump that verifies on its own', async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const out: string[] = [];
      const dumpFile = join(dir, 'fetched.ndjson');
      expect(await cli(['--key', join(dir, 'key.pem'), '--url', `http://127.0.0.1:${port}`, '--trusted-sth', join(dir, 'trusted.json'), '--write-dump', dumpFile, '--samples', '5'], (l) => out.push(l))).toBe(0);
      expect(out.join('\n')).toMatch(/consistent with the trusted tree head/);
      const again: string[] = [];
      expect(await cli(['--key', join(dir, 'key.pem'), '--dump', dumpFile], (l) => again.push(l))).toBe(0);
      expect(again.join('\n')).toMatch(new RegExp(`VERIFIED: ${trusted.treeSize} entries`));
    });

    it('detects an altered entry', async () => {
      const idx = 3;
      const original = await app.database.db.selectFrom('tlog_leaves').select('entry').where('idx', '=', idx).executeTakeFirstOrThrow();
      const altered = Buffer.from(Buffer.from(original.entry).toString('utf8').replace('"n":3', '"n":33'));
      await app.database.db.updateTable('tlog_leaves').set({ entry: altered }).where('idx', '=', idx).execute();
      try {
        const d = await verifyDump(await dump(), await key());
        expect(d.ok).toBe(false);
        expect(d.problems.join('\n')).toMatch(/do not hash to the signed root at size/);
        const remote = await verifyRemote('http://node', await key(), { fetch: appFetch, samples: 10 });
        expect(remote.ok).toBe(false);
        expect(remote.problems.join('\n')).toMatch(/1 entries do not hash to their leaf hash/);
        // Even when the attacker also rewrites the leaf hash and the tiles, the signed root gives it away.
        await app.database.db.updateTable('tlog_leaves').set({ leaf_hash: leafHash(altered) }).where('idx', '=', idx).execute();
        const again = await verifyRemote('http://node', await key(), { fetch: appFetch, samples: 10 });
        expect(again.problems.join('\n')).toMatch(/do not hash to the signed root/);
        writeFileSync(join(dir, 'bad.ndjson'), `${(await dump()).join('\n')}\n`);
        const out: string[] = [];
        expect(await cli(['--key', join(dir, 'key.pem'), '--dump', join(dir, 'bad.ndjson')], (l) => out.push(l))).toBe(1);
        expect(out.join('\n')).toMatch(/NOT VERIFIED/);
      } finally {
        await app.database.db.updateTable('tlog_leaves').set({ entry: original.entry, leaf_hash: leafHash(original.entry) }).where('idx', '=', idx).execute();
      }
      expect((await verifyDump(await dump(), await key())).ok).toBe(true);
    });

    it('detects a deleted entry', async () => {
      const row = await app.database.db.selectFrom('tlog_leaves').selectAll().where('idx', '=', 10).executeTakeFirstOrThrow();
      await app.database.db.deleteFrom('tlog_leaves').where('idx', '=', 10).execute();
      try {
        const d = await verifyDump(await dump(), await key());
        expect(d.ok).toBe(false);
        expect(d.problems.join('\n')).toMatch(/entries 10…10 are missing/);
        const remote = await verifyRemote('http://node', await key(), { fetch: appFetch });
        expect(remote.ok).toBe(false);
        expect(remote.problems.join('\n')).toMatch(/entry 10 is missing/);
      } finally {
        await app.database.db.insertInto('tlog_leaves').values(row).execute();
      }
    });

    it('detects a forged tree head and a tampered tree the sequencer must not extend', async () => {
      const forged = { ...trusted, rootHash: Buffer.alloc(32, 7).toString('base64') };
      expect((await verifyDump(dumpLines.map((l) => (l.startsWith('{"sth"') ? JSON.stringify({ sth: forged }) : l)), await key())).problems.join('\n')).toMatch(/bad signature/);
      const tile = await app.database.db.selectFrom('tlog_tiles').selectAll().where('level', '=', 0).orderBy('idx', 'desc').limit(1).executeTakeFirstOrThrow();
      const broken = Buffer.from(tile.hashes);
      broken[0] ^= 1;
      await app.database.db.updateTable('tlog_tiles').set({ hashes: broken }).where('level', '=', 0).where('idx', '=', tile.idx).execute();
      try {
        await append(1, 'after-tamper');
        await expect(log.integrate()).rejects.toThrow(/inconsistent/);
        expect((await get('/sth')).json().treeSize).toBe(trusted.treeSize);
      } finally {
        await app.database.db.updateTable('tlog_tiles').set({ hashes: tile.hashes }).where('level', '=', 0).where('idx', '=', tile.idx).execute();
      }
      await log.flush();
      trusted = (await get('/sth')).json();
    });

    it('detects a history rewritten and re-signed with the log key, given a tree head from an earlier audit', async () => {
      const texts = await entriesText();
      // An attacker with the database and the key rebuilds the log with entry 2 changed.
      await app.database.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('tlog_leaves').execute();
        await trx.deleteFrom('tlog_tiles').execute();
        await trx.deleteFrom('tlog_sths').execute();
        await sql`UPDATE tlog_state SET tree_size = 0, root_hash = decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex')`.execute(trx);
        for (const t of texts) {
          const entry = JSON.parse(t);
          if (entry.n === 2 && entry.subject === 'subject-a') entry.subject = 'someone-else';
          await appendToLog(trx, entry);
        }
      });
      await log.flush();
      log.resetCaches(); // as after the attacker restarts the node on the rewritten database
      const rewritten = (await get('/sth')).json() as SignedTreeHead;
      expect(rewritten.treeSize).toBe(trusted.treeSize);
      // On its own the rewritten log is self-consistent …
      expect((await verifyRemote('http://node', await key(), { fetch: appFetch, samples: 5 })).ok).toBe(true);
      // … but not with what an earlier audit saw.
      const remote = await verifyRemote('http://node', await key(), { fetch: appFetch, trustedSth: trusted, samples: 5 });
      expect(remote.ok).toBe(false);
      expect(remote.problems.join('\n')).toMatch(/NOT consistent with the trusted tree head/);
      const d = await verifyDump(await dump(), await key(), { trustedSth: trusted });
      expect(d.problems.join('\n')).toMatch(/NOT consistent with the trusted tree head/);
    });
  });
});
