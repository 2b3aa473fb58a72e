/**
 * The transparency log: enqueueing (appendToLog, inside the caller's transaction), the sequencer
 * that integrates queued entries in batches and signs tree heads, and the read side (tree heads,
 * entries, inclusion and consistency proofs, dumps).
 *
 * Why a queue and a sequencer rather than integrating in the caller's transaction: integration
 * needs the tree's one right edge, so it must be serialized. Done synchronously, every business
 * transaction that logs would hold that lock until it commits — all writers of the platform in
 * single file, each paying a tile rewrite and a signature. Enqueueing touches no shared row (a
 * sequence value and an insert), so callers never wait on each other; the sequencer amortizes
 * the tile writes and one signature over a whole batch.
 *
 * Why it is correct: the queue row commits or rolls back with the caller's own writes, so an entry
 * is logged if and only if the fact it records was committed. The sequencer claims queue rows,
 * writes the leaves and tiles, and signs the new head in ONE transaction, holding the state row's
 * lock (FOR UPDATE SKIP LOCKED: another process that finds it held simply skips this round), so
 * indexes are dense, unique and never reassigned, and a crash rolls the whole batch back onto the
 * queue. Rows not yet committed are invisible to the claim and go into a later batch; the log's
 * order is integration order. An entry becomes provable at the next batch (≤ interval + batch
 * time); its leaf hash is known at once, so a caller can ask for its proof by hash later.
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Db } from '../../db/database';
import type { FieldCrypto } from '../../shared/crypto';
import { entryBytes, type LogEntry, type LogEntryInput } from './entry';
import { consistencyRanges, EMPTY_ROOT, hashRanges, inclusionRanges, leafHash, type NodeId } from './merkle';
import { DUMP_FORMAT, keyIdOf, signTreeHead, type SignedTreeHead } from './sth';
import { appendToTiles, edgeTiles, nodeFromTiles, rootFromTiles, tileKey, tilesFor, withLevels, type Tile, type TileId } from './tiles';
import { transparencyErrors } from './transparency.errors';
import { tlogRepo, type SthRow } from './transparency.repository';

const KEY_META = 'transparency.signing_key';
/** Tiles kept with their internal levels: ≈ 16 KiB each. All upper-level and edge tiles of a 10M log fit. */
const TILE_CACHE_SIZE = 2048;

/**
 * Queues an entry for the log, in the caller's transaction (pass the transaction, never the root
 * db). Returns the leaf hash (base64), by which its inclusion proof can be fetched once integrated.
 */
export async function appendToLog(trx: Db, input: LogEntryInput): Promise<{ leafHash: string; entry: LogEntry }> {
  const { entry, bytes } = entryBytes(input);
  const hash = leafHash(bytes);
  await tlogRepo.enqueue(trx, [{ leaf_hash: hash, entry: bytes }]);
  return { leafHash: hash.toString('base64'), entry };
}

/**
 * Queues several entries in ONE insert, in the caller's transaction (a batch of calls, a group
 * commit): one round trip instead of one per entry. Leaf hashes in the order given; the entries
 * are integrated in that order (consecutive unless other transactions' entries interleave).
 */
export async function appendManyToLog(trx: Db, inputs: LogEntryInput[]): Promise<{ leafHash: string; entry: LogEntry }[]> {
  if (inputs.length === 0) return [];
  const prepared = prepareLogEntries(inputs);
  await tlogRepo.enqueue(trx, prepared.rows);
  return prepared.entries;
}

/**
 * The queue rows for `inputs` (at most a few thousand), for a caller that writes them together
 * with its own rows in ONE statement: `trx.with('logged', (db) => db.insertInto('tlog_queue').values(rows))…`.
 * The same guarantee as appendToLog: logged if and only if the caller's transaction commits.
 */
export function prepareLogEntries(inputs: LogEntryInput[]): { rows: { leaf_hash: Buffer; entry: Buffer }[]; entries: { leafHash: string; entry: LogEntry }[] } {
  const out = inputs.map((input) => {
    const { entry, bytes } = entryBytes(input);
    return { entry, bytes, hash: leafHash(bytes) };
  });
  return { rows: out.map((o) => ({ leaf_hash: o.hash, entry: o.bytes })), entries: out.map((o) => ({ leafHash: o.hash.toString('base64'), entry: o.entry })) };
}

export interface TransparencyOptions {
  db: Db;
  crypto: FieldCrypto;
  /** Entries integrated per transaction. */
  batchSize?: number;
  /** How often the sequencer looks at the queue (ms). */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

interface StoredKey {
  alg: 'Ed25519';
  keyId: string;
  publicKeyPem: string;
  privateKeySealed: string;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  auditPath: string[];
}

export interface ConsistencyProof {
  first: number;
  second: number;
  consistency: string[];
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
export const presentSth = (r: SthRow): SignedTreeHead => ({
  treeSize: Number(r.tree_size),
  rootHash: b64(r.root_hash),
  timestamp: Number(r.timestamp_ms),
  signature: b64(r.signature),
  keyId: r.key_id,
});

export class TransparencyLog {
  private key?: { keyId: string; privateKey: KeyObject; publicKey: KeyObject };
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly tileCache = new Map<string, Tile>();
  /** The largest tree size known to be signed: a proof for a size up to it needs no head lookup. */
  private knownSize = 0;

  constructor(private readonly opts: TransparencyOptions) {
    this.batchSize = opts.batchSize ?? 5000;
    this.intervalMs = opts.intervalMs ?? 200;
  }

  private get db() {
    return this.opts.db;
  }

  /** Loads the signing key, creating it on a node's first start (private half sealed with DATA_SECRET). */
  async init(): Promise<void> {
    const read = async () => (await this.db.selectFrom('node_meta').select('value').where('key', '=', KEY_META).executeTakeFirst())?.value as StoredKey | undefined;
    let stored = await read();
    if (!stored) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const candidate: StoredKey = {
        alg: 'Ed25519',
        keyId: keyIdOf(publicKey),
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        privateKeySealed: this.opts.crypto.encrypt(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      };
      await this.db.insertInto('node_meta').values({ key: KEY_META, value: JSON.stringify(candidate) }).onConflict((oc) => oc.column('key').doNothing()).execute();
      stored = (await read())!; // another process may have won the race: use what is stored
    }
    this.key = {
      keyId: stored.keyId,
      publicKey: createPublicKey(stored.publicKeyPem),
      privateKey: createPrivateKey(this.opts.crypto.decrypt(stored.privateKeySealed)),
    };
  }

  private signingKey() {
    if (!this.key) throw new Error('TransparencyLog.init() was not called');
    return this.key;
  }

  publicKey() {
    const k = this.signingKey();
    return {
      keyId: k.keyId,
      algorithm: 'Ed25519' as const,
      publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      jwk: { ...(k.publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string }), kid: k.keyId, alg: 'EdDSA', use: 'sig' },
    };
  }

  // ---- sequencer -------------------------------------------------------------------------------

  /** Integrates one batch. Returns how many entries it integrated (0: queue empty, or another process holds the tree). */
  async integrate(): Promise<number> {
    const key = this.signingKey();
    return this.db.transaction().execute(async (trx) => {
      const state = await tlogRepo.lockState(trx);
      if (!state) return 0;
      const claimed = await tlogRepo.claimQueue(trx, this.batchSize);
      if (claimed.length === 0) return 0;
      const size = Number(state.tree_size);
      const edge = new Map((await tlogRepo.tiles(trx, edgeTiles(size))).map((t) => [tileKey(t), t] as [string, Tile]));
      // Never extend (and sign) a tree whose stored edge no longer yields the root last signed.
      if (!rootFromTiles(size, edge).equals(Buffer.from(state.root_hash))) throw new Error(`transparency log storage is inconsistent at size ${size}`);
      // Leaf hashes recomputed from the bytes: what is signed is exactly what is stored.
      const leaves = claimed.map((c) => leafHash(c.entry));
      const next = appendToTiles(size, edge, leaves);
      await tlogRepo.insertLeaves(trx, claimed.map((c, i) => ({ idx: size + i, leaf_hash: leaves[i], entry: c.entry })));
      await tlogRepo.upsertTiles(trx, next.tiles);
      await tlogRepo.updateState(trx, next.size, next.root);
      const sth = signTreeHead(key.privateKey, key.keyId, next.size, next.root);
      await tlogRepo.insertSth(trx, {
        tree_size: sth.treeSize,
        root_hash: next.root,
        timestamp_ms: sth.timestamp,
        signature: Buffer.from(sth.signature, 'base64'),
        key_id: sth.keyId,
      });
      return claimed.length;
    });
  }

  /** Integrates until the queue is empty (tests, benchmarks, shutdown). */
  async flush(): Promise<void> {
    await this.running;
    while ((await tlogRepo.queueLength(this.db)) > 0) {
      if ((await this.integrate()) === 0) await new Promise((r) => setTimeout(r, 20)); // another process holds the tree
    }
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.running || this.stopped) return;
      this.running = (async () => {
        try {
          while (!this.stopped && (await this.integrate()) === this.batchSize);
        } catch (err) {
          if (!this.stopped) this.opts.onError?.(err);
        } finally {
          this.running = null;
        }
      })();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the sequencer and waits for a batch in progress (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  // ---- reading ---------------------------------------------------------------------------------

  async latestSth(): Promise<SignedTreeHead> {
    const row = await tlogRepo.latestSth(this.db);
    if (row) return presentSth(row);
    const k = this.signingKey(); // the empty log: a fresh head, not stored
    return signTreeHead(k.privateKey, k.keyId, 0, EMPTY_ROOT);
  }

  private async treeSize(requested: number | undefined, field: string): Promise<number> {
    if (requested !== undefined && requested <= this.knownSize) return requested; // the log never shrinks
    const latest = (await this.latestSth()).treeSize;
    this.knownSize = Math.max(this.knownSize, latest);
    if (requested === undefined) return latest;
    if (requested > latest) throw transparencyErrors.treeTooLarge(field, latest);
    return requested;
  }

  /**
   * Node hashes from tiles, through a cache: a full tile never changes, and a partial one only
   * grows, so a cached tile serves any proof whose hashes it already holds.
   */
  private async nodes(nodes: NodeId[]): Promise<Buffer[]> {
    const tiles = new Map<string, Tile>();
    const missing: TileId[] = [];
    for (const id of tilesFor(nodes)) {
      const key = tileKey(id);
      const cached = this.tileCache.get(key);
      if (cached && cached.hashes.length >= id.need * 32) {
        this.tileCache.delete(key); // least recently used goes first
        this.tileCache.set(key, cached);
        tiles.set(key, cached);
      } else missing.push({ level: id.level, index: id.index });
    }
    for (const t of await tlogRepo.tiles(this.db, missing)) {
      const withMemo = withLevels(t);
      this.tileCache.set(tileKey(t), withMemo);
      if (this.tileCache.size > TILE_CACHE_SIZE) this.tileCache.delete(this.tileCache.keys().next().value!);
      tiles.set(tileKey(t), withMemo);
    }
    return nodes.map((n) => nodeFromTiles(n, tiles));
  }

  async entry(index: number): Promise<{ index: number; leafHash: string; entry: string }> {
    const row = await tlogRepo.leaf(this.db, index);
    if (!row) throw transparencyErrors.leafNotFound('params/index');
    return { index: Number(row.idx), leafHash: b64(row.leaf_hash), entry: Buffer.from(row.entry).toString('utf8') };
  }

  async entries(start: number, limit: number): Promise<{ index: number; leafHash: string; entry: string }[]> {
    const rows = await tlogRepo.leaves(this.db, start, start + limit);
    return rows.map((r) => ({ index: Number(r.idx), leafHash: b64(r.leaf_hash), entry: Buffer.from(r.entry).toString('utf8') }));
  }

  async inclusionProof(q: { leafIndex?: number; leafHash?: Buffer; treeSize?: number }): Promise<InclusionProof> {
    if ((q.leafIndex === undefined) === (q.leafHash === undefined)) throw transparencyErrors.oneOfIndexOrHash();
    const size = await this.treeSize(q.treeSize, 'querystring/treeSize');
    let index = q.leafIndex;
    if (q.leafHash) {
      index = await tlogRepo.indexOfLeafHash(this.db, q.leafHash, size);
      if (index === undefined) throw transparencyErrors.leafNotFound('querystring/leafHash');
    }
    if (index! >= size) throw transparencyErrors.leafOutsideTree();
    let leaf: Buffer | undefined;
    const path = await hashRanges(inclusionRanges(index!, size), async (nodes) => {
      const hashes = await this.nodes([{ height: 0, index: index! }, ...nodes]);
      leaf = hashes[0];
      return hashes.slice(1);
    });
    return { leafIndex: Number(index), treeSize: size, leafHash: b64(leaf!), auditPath: path.map(b64) };
  }

  async consistencyProof(first: number, second: number | undefined): Promise<ConsistencyProof> {
    const size2 = await this.treeSize(second, 'querystring/second');
    if (first > size2) throw transparencyErrors.badRange();
    const proof = await hashRanges(consistencyRanges(first, size2), (nodes) => this.nodes(nodes));
    return { first, second: size2, consistency: proof.map(b64) };
  }

  /** Forgets cached tiles and the known size: after restoring the database from a backup. */
  resetCaches(): void {
    this.tileCache.clear();
    this.knownSize = 0;
  }

  /** The root at any size up to the latest, from the stored tree (the verifier recomputes it from entries). */
  async rootAt(size: number): Promise<Buffer> {
    const tiles = new Map((await tlogRepo.tiles(this.db, edgeTiles(size))).map((t) => [tileKey(t), t] as [string, Tile]));
    return rootFromTiles(size, tiles);
  }

  /**
   * Writes the whole log as NDJSON: a header line, every signed tree head, then every entry. The
   * offline verifier (verify-cli.ts) checks such a dump against the log's public key alone.
   */
  async exportDump(write: (line: string) => void | Promise<void>): Promise<void> {
    const k = this.publicKey();
    const latest = await this.latestSth();
    await write(JSON.stringify({ format: DUMP_FORMAT, keyId: k.keyId, publicKeyPem: k.publicKeyPem, treeSize: latest.treeSize }));
    for (const row of await tlogRepo.sths(this.db)) if (Number(row.tree_size) <= latest.treeSize) await write(JSON.stringify({ sth: presentSth(row) }));
    const page = 10_000;
    for (let start = 0; start < latest.treeSize; start += page) {
      for (const e of await this.entries(start, Math.min(page, latest.treeSize - start))) await write(JSON.stringify({ index: e.index, entry: e.entry }));
    }
  }
}
