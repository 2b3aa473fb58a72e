/**
 * Verifying a transparency log with nothing but its public key: from a dump (NDJSON written by
 * TransparencyLog.exportDump or by `verify-cli --write-dump`) or from a node's public API.
 *
 * What is checked: every signed tree head's signature; every entry's leaf hash, recomputed from
 * the entry's bytes; the root recomputed from all entries equals each signed root (so an altered,
 * deleted, inserted or reordered entry is found); inclusion proofs of leaves and consistency
 * proofs between heads verify (RFC 9162); and, given a tree head trusted from an earlier audit,
 * that the log is an extension of what it was then (a rewritten history is found even when it was
 * re-signed with the log's own key).
 */
import type { KeyObject } from 'node:crypto';
import { MemoryTree, RootBuilder, leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { DUMP_FORMAT, verifyTreeHead, keyIdOf, type SignedTreeHead } from './sth';
/** Above this many entries the dump check keeps only the streaming root, not every level. */
const MEMORY_TREE_LIMIT = 2_000_000;

export interface VerifyOptions {
  /** A tree head from an earlier audit; the log must be consistent with it. */
  trustedSth?: SignedTreeHead;
  /** How many leaves to check inclusion proofs for (all when the log is smaller). */
  samples?: number;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  rootHash: string | null;
  checks: string[];
  problems: string[];
  latestSth?: SignedTreeHead;
}

const b = (s: string) => Buffer.from(s, 'base64');

function sampleIndexes(size: number, samples: number): number[] {
  if (size <= samples) return Array.from({ length: size }, (_, i) => i);
  const picked = new Set([0, size - 1]);
  while (picked.size < samples) picked.add(Math.floor(Math.random() * size));
  return [...picked].sort((x, y) => x - y);
}

class Report {
  checks: string[] = [];
  problems: string[] = [];
  check(ok: boolean, what: string, problem: string) {
    if (ok) this.checks.push(what);
    else this.problems.push(problem);
    return ok;
  }
  done(treeSize: number, root: Buffer | null, latestSth?: SignedTreeHead): VerifyReport {
    return { ok: this.problems.length === 0, treeSize, rootHash: root?.toString('base64') ?? null, checks: this.checks, problems: this.problems, latestSth };
  }
}

function checkTrusted(r: Report, key: KeyObject, trusted: SignedTreeHead | undefined) {
  if (trusted) r.check(verifyTreeHead(key, trusted), `trusted tree head (size ${trusted.treeSize}) is signed by the key`, `the trusted tree head (size ${trusted.treeSize}) is not signed by this key`);
}

/** Verifies a dump given as lines (a file's lines, or an array). */
export async function verifyDump(lines: AsyncIterable<string> | Iterable<string>, key: KeyObject, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const r = new Report();
  checkTrusted(r, key, opts.trustedSth);
  const sths: SignedTreeHead[] = [];
  const sthSizes = new Set<number>();
  const stream = new RootBuilder();
  const memory: MemoryTree | null = new MemoryTree();
  let tree: MemoryTree | null = memory;
  type DumpHeader = { format?: string; keyId?: string; treeSize?: number };
  let header: DumpHeader | null = null;
  const rootsAt = new Map<number, Buffer>([[0, stream.root()]]);
  let expected = 0;
  let gapReported = false;
  for await (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line);
    } catch {
      r.problems.push(`unreadable line: ${line.slice(0, 80)}`);
      continue;
    }
    if (!header) {
      header = obj as DumpHeader;
      r.check(header!.format === DUMP_FORMAT, `dump format ${DUMP_FORMAT}`, `not a ${DUMP_FORMAT} dump`);
      r.check(header!.keyId === keyIdOf(key), 'dump names the given key', `the dump names key ${header!.keyId}, not the given key`);
      continue;
    }
    if (obj.sth) {
      const sth = obj.sth as SignedTreeHead;
      if (r.check(verifyTreeHead(key, sth), '', `tree head of size ${sth.treeSize} has a bad signature`)) {
        sths.push(sth);
        sthSizes.add(sth.treeSize);
      }
      continue;
    }
    const index = obj.index as number;
    const entry = obj.entry as string;
    if (index !== expected && !gapReported) {
      r.problems.push(index > expected ? `entries ${expected}…${index - 1} are missing` : `entry ${index} is out of order or repeated`);
      gapReported = true;
    }
    const leaf = leafHash(Buffer.from(entry, 'utf8'));
    stream.push(leaf);
    tree?.push(leaf);
    if (tree && tree.size > MEMORY_TREE_LIMIT) tree = null;
    expected = Math.max(expected, index) + 1;
    if (sthSizes.has(stream.size)) rootsAt.set(stream.size, stream.root());
  }
  r.checks = r.checks.filter(Boolean);
  if (!header) return r.check(false, '', 'empty dump'), r.done(0, null);
  const latest = sths.reduce<SignedTreeHead | undefined>((a, s) => (!a || s.treeSize > a.treeSize ? s : a), undefined);
  r.check(sths.length > 0 || stream.size === 0, `${sths.length} signed tree heads verified`, 'the dump has no valid signed tree head');
  for (const sth of sths) {
    const root = rootsAt.get(sth.treeSize);
    if (!root) r.problems.push(`the dump has fewer entries (${stream.size}) than tree head size ${sth.treeSize}`);
    else r.check(root.equals(b(sth.rootHash)), '', `the entries do not hash to the signed root at size ${sth.treeSize}: an entry was altered, removed or inserted`);
  }
  if (latest) r.check(stream.size === latest.treeSize, `${stream.size} entries, as the latest tree head says`, `the dump has ${stream.size} entries but the latest tree head says ${latest.treeSize}`);
  if (r.problems.length === 0) r.checks.push(`root recomputed from all entries matches every signed root`);
  if (tree && latest && r.problems.length === 0) {
    const root = b(latest.rootHash);
    let bad = 0;
    const idx = sampleIndexes(latest.treeSize, opts.samples ?? 100);
    for (const i of idx) if (!verifyInclusion(i, latest.treeSize, tree.node({ height: 0, index: i }), await tree.inclusionProof(i, latest.treeSize), root)) bad++;
    r.check(bad === 0, `inclusion proofs of ${idx.length} leaves verify`, `${bad} inclusion proofs fail`);
    const sorted = [...sths].sort((x, y) => x.treeSize - y.treeSize);
    let badC = 0;
    for (let i = 1; i < sorted.length; i++) {
      const [x, y] = [sorted[i - 1], sorted[i]];
      if (!verifyConsistency(x.treeSize, y.treeSize, b(x.rootHash), b(y.rootHash), await tree.consistencyProof(x.treeSize, y.treeSize))) badC++;
    }
    r.check(badC === 0, `consistency proofs between ${Math.max(sorted.length - 1, 0)} successive tree heads verify`, `${badC} consistency proofs between tree heads fail`);
  }
  if (opts.trustedSth && latest) {
    const t = opts.trustedSth;
    const rootThen = t.treeSize <= stream.size ? (tree ? tree.root(t.treeSize) : rootsAt.get(t.treeSize)) : undefined;
    r.check(
      !!rootThen && rootThen.equals(b(t.rootHash)) && (!tree || verifyConsistency(t.treeSize, latest.treeSize, b(t.rootHash), b(latest.rootHash), await tree.consistencyProof(t.treeSize, latest.treeSize))),
      `consistent with the trusted tree head of size ${t.treeSize}`,
      `NOT consistent with the trusted tree head of size ${t.treeSize}: the log's history was rewritten`,
    );
  }
  return r.done(stream.size, stream.root(), latest);
}

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Audits a running node through its public API (/api/transparency/…). */
export async function verifyRemote(
  baseUrl: string,
  key: KeyObject,
  opts: VerifyOptions & { fetch?: Fetch; onEntry?: (index: number, entry: string) => void; onSth?: (sth: SignedTreeHead) => void } = {},
): Promise<VerifyReport> {
  const r = new Report();
  const http: Fetch = opts.fetch ?? ((u) => fetch(u));
  const api = `${baseUrl.replace(/\/+$/, '')}/api/transparency`;
  const get = async <T>(path: string): Promise<T> => {
    const res = await http(`${api}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  checkTrusted(r, key, opts.trustedSth);
  const served = await get<{ keyId: string }>('/public-key');
  r.check(served.keyId === keyIdOf(key), 'the node serves the given key', `the node serves key ${served.keyId}, not the given key`);
  const sth = await get<SignedTreeHead>('/sth');
  opts.onSth?.(sth);
  if (!r.check(verifyTreeHead(key, sth), `latest tree head (size ${sth.treeSize}) is signed by the key`, 'the latest tree head has a bad signature')) return r.done(sth.treeSize, null, sth);
  const root = b(sth.rootHash);

  if (opts.trustedSth && opts.trustedSth.treeSize <= sth.treeSize) {
    const t = opts.trustedSth;
    const c = await get<{ consistency: string[] }>(`/proofs/consistency?first=${t.treeSize}&second=${sth.treeSize}`);
    r.check(
      verifyConsistency(t.treeSize, sth.treeSize, b(t.rootHash), root, c.consistency.map(b)),
      `consistent with the trusted tree head of size ${t.treeSize}`,
      `NOT consistent with the trusted tree head of size ${t.treeSize}: the log's history was rewritten`,
    );
  } else if (opts.trustedSth) {
    r.problems.push(`the log shrank: size ${sth.treeSize} < trusted size ${opts.trustedSth.treeSize}`);
  }

  // Every entry: its served leaf hash must be the hash of its bytes, and all of them the signed root.
  const stream = new RootBuilder();
  const leaves = new Map<number, Buffer>();
  const want = new Set(sampleIndexes(sth.treeSize, opts.samples ?? 100));
  const half = Math.floor(sth.treeSize / 2);
  let halfRoot: Buffer | null = null;
  let altered = 0;
  let gap: string | null = null;
  for (let start = 0; start < sth.treeSize && !gap; ) {
    const page = await get<{ index: number; leafHash: string; entry: string }[]>(`/entries?start=${start}&limit=${Math.min(1000, sth.treeSize - start)}`);
    if (page.length === 0) gap = `entries from ${start} are missing`;
    for (const e of page) {
      if (e.index !== stream.size) {
        gap = `entry ${stream.size} is missing`;
        break;
      }
      opts.onEntry?.(e.index, e.entry);
      const leaf = leafHash(Buffer.from(e.entry, 'utf8'));
      if (!leaf.equals(b(e.leafHash))) altered++;
      if (want.has(e.index)) leaves.set(e.index, leaf);
      stream.push(leaf);
      if (stream.size === half) halfRoot = stream.root();
    }
    start = stream.size;
  }
  if (gap) r.problems.push(gap);
  r.check(altered === 0, 'every entry hashes to its served leaf hash', `${altered} entries do not hash to their leaf hash: they were altered`);
  r.check(
    !gap && stream.size === sth.treeSize && stream.root().equals(root),
    `root recomputed from all ${stream.size} entries matches the signed root`,
    'the entries do not hash to the signed root: an entry was altered, removed or inserted',
  );

  let bad = 0;
  for (const [i, leaf] of leaves) {
    const p = await get<{ auditPath: string[] }>(`/proofs/inclusion?leafIndex=${i}&treeSize=${sth.treeSize}`);
    if (!verifyInclusion(i, sth.treeSize, leaf, p.auditPath.map(b), root)) bad++;
  }
  r.check(bad === 0, `inclusion proofs of ${leaves.size} leaves verify against the signed root`, `${bad} of ${leaves.size} inclusion proofs fail against the signed root`);
  // The server's consistency proof from half the log to all of it, against the root we computed for the half.
  if (halfRoot && !gap) {
    const c = await get<{ consistency: string[] }>(`/proofs/consistency?first=${half}&second=${sth.treeSize}`);
    r.check(verifyConsistency(half, sth.treeSize, halfRoot, root, c.consistency.map(b)), `consistency proof ${half} → ${sth.treeSize} verifies`, `consistency proof ${half} → ${sth.treeSize} fails`);
  }
  return r.done(stream.size, stream.root(), sth);
}
