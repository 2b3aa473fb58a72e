/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and proofs, with no storage attached: the server builds
 * proofs from stored tiles with it, and the offline verifier checks them with it.
 *
 * Leaf hash = SHA-256(0x00 || entry); node hash = SHA-256(0x01 || left || right); the root of the
 * empty tree is SHA-256(""). A "node" (height h, index k) is the complete, aligned subtree over
 * leaves [k·2^h, (k+1)·2^h). Indexes are JS numbers (exact to 2^53) and are never put through
 * bitwise operators, which would truncate them to 32 bits.
 */
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.of(0);
const NODE_PREFIX = Buffer.of(1);

// One call of crypto.hash over the prefixed bytes: a Hash object with three updates cost about a
// third more, and every answer and log entry takes several of these.
export function leafHash(entry: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, entry], 1 + entry.length), 'buffer');
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right], 1 + left.length + right.length), 'buffer');
}

export const EMPTY_ROOT: Buffer = hash('sha256', '', 'buffer');

export interface NodeId {
  height: number;
  index: number;
}

/** A proof element: the hash of leaves [start, end), which RFC 6962 calls MTH(D[start:end]). */
export interface Range {
  start: number;
  end: number;
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete aligned subtrees whose right fold is MTH(D[start:end]), largest first. Every range
 * RFC 6962's recursion produces starts at a multiple of a power of two at least as large as its
 * first part, so the greedy split reproduces the RFC's own splitting; anything else is refused.
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let a = start;
  let prev = Infinity;
  while (a < end) {
    let size = 1;
    while (a % (size * 2) === 0 && a + size * 2 <= end) size *= 2;
    // Strictly shrinking parts are exactly RFC 6962's split; anything else would fold differently.
    if (size >= prev) throw new Error(`range [${start}, ${end}) is not a Merkle subtree range`);
    prev = size;
    out.push({ height: Math.log2(size), index: a / size });
    a += size;
  }
  return out;
}

/** RFC 6962's right fold: MTH over consecutive complete subtrees, largest (leftmost) first. */
export function foldRight(hashes: Uint8Array[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]);
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i], acc);
  return acc;
}

/** The audit path of leaf m in a tree of size n (RFC 6962 §2.1.1 PATH), as ranges, leaf side first. */
export function inclusionRanges(m: number, n: number): Range[] {
  if (!(m >= 0 && m < n)) throw new Error(`leaf ${m} is not in a tree of size ${n}`);
  const out: Range[] = [];
  const path = (i: number, lo: number, hi: number) => {
    if (hi - lo === 1) return;
    const k = splitPoint(hi - lo);
    if (i < k) {
      path(i, lo, lo + k);
      out.push({ start: lo + k, end: hi });
    } else {
      path(i - k, lo + k, hi);
      out.push({ start: lo, end: lo + k });
    }
  };
  path(m, 0, n);
  return out;
}

/** The consistency proof between sizes m and n (RFC 6962 §2.1.2 SUBPROOF), as ranges. */
export function consistencyRanges(m: number, n: number): Range[] {
  if (!(m >= 0 && m <= n)) throw new Error(`no consistency proof from ${m} to ${n}`);
  if (m === 0 || m === n) return [];
  const out: Range[] = [];
  const sub = (mm: number, lo: number, hi: number, complete: boolean) => {
    if (lo + mm === hi) {
      if (!complete) out.push({ start: lo, end: hi });
      return;
    }
    const k = splitPoint(hi - lo);
    if (mm <= k) {
      sub(mm, lo, lo + k, complete);
      out.push({ start: lo + k, end: hi });
    } else {
      sub(mm - k, lo + k, hi, false);
      out.push({ start: lo, end: lo + k });
    }
  };
  sub(m, 0, n, true);
  return out;
}

/**
 * Resolves ranges to hashes with a node lookup (from tiles, or from leaves in memory). The lookup
 * receives every node first, so a storage-backed one can fetch them in one round trip.
 */
/**
 * The root of a whole (small) tree and every leaf's inclusion path, each node hashed once: the
 * subtree hashes of the RFC 6962 decomposition are kept, and every path is made of them. For a
 * batch signature, where proving each leaf on its own re-hashed the tree's ragged right edge once
 * per leaf.
 */
export function rootAndInclusionProofs(leaves: Buffer[]): { root: Buffer; proofs: Buffer[][] } {
  const n = leaves.length;
  if (n === 0) return { root: EMPTY_ROOT, proofs: [] };
  const subtree = new Map<number, Buffer>(); // key lo * (n + 1) + hi
  const mth = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo];
    const k = splitPoint(hi - lo);
    const h = nodeHash(mth(lo, lo + k), mth(lo + k, hi));
    subtree.set(lo * (n + 1) + hi, h);
    return h;
  };
  const root = mth(0, n);
  const proofs = leaves.map((_, m) => inclusionRanges(m, n).map((r) => (r.end - r.start === 1 ? leaves[r.start] : subtree.get(r.start * (n + 1) + r.end)!)));
  return { root, proofs };
}

export async function hashRanges(ranges: Range[], lookup: (nodes: NodeId[]) => Promise<Buffer[]> | Buffer[]): Promise<Buffer[]> {
  const perRange = ranges.map((r) => rangeNodes(r.start, r.end));
  const hashes = await lookup(perRange.flat());
  let i = 0;
  return perRange.map((nodes) => foldRight(nodes.map(() => hashes[i++])));
}

/** The root of a perfect subtree over 2^h consecutive hashes. */
export function perfectRoot(hashes: Uint8Array[]): Buffer {
  if (hashes.length === 0 || (hashes.length & (hashes.length - 1)) !== 0) throw new Error('perfectRoot needs 2^h hashes');
  let level: Buffer[] = hashes.map((h) => Buffer.from(h));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

// ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------------------

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** The root an inclusion proof leads to, or null when the proof has the wrong shape. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Buffer | null {
  if (!(index >= 0 && index < size) || leaf.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return null;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusionProof(index, size, leaf, proof);
  return r !== null && eq(r, root);
}

export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]): boolean {
  if (!(size1 >= 0 && size1 <= size2) || root1.length !== HASH_SIZE || root2.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (size1 === size2) return proof.length === 0 && eq(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  // When size1 is a power of two, the old root itself is the first node of the path.
  const path = isPowerOfTwo(size1) ? [Buffer.from(root1), ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

// ---- in-memory tree (verifier, tests) ------------------------------------------------------------

/**
 * Streaming root computation over leaf hashes in O(log n) memory: a stack of complete subtrees
 * (the "compact range" [0, n)). `root()` may be asked at any size along the way.
 */
export class RootBuilder {
  private readonly stack: { height: number; hash: Buffer }[] = [];
  size = 0;

  push(leaf: Uint8Array): void {
    let node: { height: number; hash: Buffer } = { height: 0, hash: Buffer.from(leaf) };
    while (this.stack.length && this.stack[this.stack.length - 1].height === node.height) {
      const left = this.stack.pop()!;
      node = { height: node.height + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.size++;
  }

  root(): Buffer {
    return foldRight(this.stack.map((n) => n.hash));
  }
}

/** All levels of a tree held in memory, for proofs over a dump (small logs) and for tests. */
export class MemoryTree {
  private readonly levels: Buffer[][] = [[]];

  constructor(leaves: Uint8Array[] = []) {
    for (const l of leaves) this.push(l);
  }

  get size(): number {
    return this.levels[0].length;
  }

  push(leaf: Uint8Array): void {
    this.levels[0].push(Buffer.from(leaf));
    for (let h = 0; this.levels[h].length % 2 === 0; h++) {
      const level = this.levels[h];
      (this.levels[h + 1] ??= []).push(nodeHash(level[level.length - 2], level[level.length - 1]));
    }
  }

  node(n: NodeId): Buffer {
    const h = this.levels[n.height]?.[n.index];
    if (!h) throw new Error(`node ${n.height}/${n.index} is not complete`);
    return h;
  }

  root(size = this.size): Buffer {
    return foldRight(size === 0 ? [] : rangeNodes(0, size).map((n) => this.node(n)));
  }

  async inclusionProof(index: number, size = this.size): Promise<Buffer[]> {
    return hashRanges(inclusionRanges(index, size), (nodes) => nodes.map((n) => this.node(n)));
  }

  async consistencyProof(size1: number, size2 = this.size): Promise<Buffer[]> {
    return hashRanges(consistencyRanges(size1, size2), (nodes) => nodes.map((n) => this.node(n)));
  }
}
