/**
 * Hashing and proofs against the known RFC 6962 vectors — the eight leaves, roots, inclusion and
 * consistency proofs used by Google's certificate-transparency C++ tests and carried on in
 * transparency-dev/merkle (rfc6962/rfc6962_test.go, proof/verify_test.go) — plus the corruption
 * probes those tests apply, and an exhaustive comparison with RFC 6962's recursive definitions.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  MemoryTree,
  RootBuilder,
  consistencyRanges,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeNodes,
  rootAndInclusionProofs,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const h = (hex: string) => Buffer.from(hex, 'hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// [leaf index (0-based), tree size, audit path]
const INCLUSION: [number, number, string[]][] = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [0, 1, []],
];
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];
const SOME_HASH = h('abacaba000000000000000000000000000000000000000000060061e00123456');

const tree = new MemoryTree(LEAVES.map(leafHash));

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree, leaves and nodes as the reference does', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(Buffer.alloc(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(hex(leafHash(Buffer.from('L123456')))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    expect(hex(nodeHash(Buffer.from('N123'), Buffer.from('N456')))).toBe('aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
  });

  it('computes the roots of the reference trees of sizes 1 … 8, in memory and streaming', () => {
    const stream = new RootBuilder();
    LEAVES.forEach((l, i) => {
      stream.push(leafHash(l));
      expect(hex(stream.root()), `size ${i + 1}`).toBe(ROOTS[i]);
      expect(hex(tree.root(i + 1))).toBe(ROOTS[i]);
    });
    expect(hex(new RootBuilder().root())).toBe(hex(EMPTY_ROOT));
  });
});

describe('RFC 6962 inclusion proofs', () => {
  it.each(INCLUSION)('builds and verifies the reference proof for leaf %i in a tree of %i', async (index, size, path) => {
    const proof = await tree.inclusionProof(index, size);
    expect(proof.map(hex)).toEqual(path);
    const root = h(ROOTS[size - 1]);
    expect(verifyInclusion(index, size, leafHash(LEAVES[index]), proof, root)).toBe(true);
  });

  it.each(INCLUSION.filter(([, , p]) => p.length > 0))('refuses every corruption of the proof for leaf %i of %i', (index, size, path) => {
    const proof = path.map(h);
    const root = h(ROOTS[size - 1]);
    const leaf = leafHash(LEAVES[index]);
    const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
      ['index - 1', index - 1, size, leaf, proof, root],
      ['index + 1', index + 1, size, leaf, proof, root],
      ['index ^ 2', index ^ 2, size, leaf, proof, root],
      ['size * 2', index, size * 2, leaf, proof, root],
      ['size / 2', index, Math.floor(size / 2), leaf, proof, root],
      ['wrong leaf', index, size, Buffer.from('WrongLeaf'), proof, root],
      ['empty root', index, size, leaf, proof, EMPTY_ROOT],
      ['random root', index, size, leaf, proof, SOME_HASH],
      ['trailing garbage', index, size, leaf, [...proof, Buffer.alloc(0)], root],
      ['trailing root', index, size, leaf, [...proof, root], root],
      ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...proof], root],
      ['preceding root', index, size, leaf, [root, ...proof], root],
      ['removed component', index, size, leaf, proof.slice(0, -1), root],
      ...proof.map((_, i) => [`flipped bit in proof[${i}]`, index, size, leaf, proof.map((p, j) => (j === i ? Buffer.from([p[0] ^ 8, ...p.subarray(1)]) : p)), root] as [string, number, number, Buffer, Buffer[], Buffer]),
      ...(proof.length > 1 ? [['inserted component', index, size, leaf, [proof[0], SOME_HASH, ...proof.slice(1)], root] as [string, number, number, Buffer, Buffer[], Buffer]] : []),
    ];
    const accepted = probes.filter(([, i, n, l, p, r]) => verifyInclusion(i, n, l, p, r)).map(([d]) => d);
    expect(accepted).toEqual([]);
  });

  it('refuses impossible index/size pairs', () => {
    for (const [i, n] of [[0, 0], [1, 0], [2, 1]]) expect(verifyInclusion(i, n, SOME_HASH, [], EMPTY_ROOT)).toBe(false);
    const single = leafHash(Buffer.from('data'));
    expect(verifyInclusion(0, 1, single, [], single)).toBe(true);
    expect(rootFromInclusionProof(0, 1, Buffer.alloc(0), [])).toBeNull();
  });
});

describe('RFC 6962 consistency proofs', () => {
  it.each(CONSISTENCY)('builds and verifies the reference proof from %i to %i', async (m, n, path) => {
    const proof = await tree.consistencyProof(m, n);
    expect(proof.map(hex)).toEqual(path);
    expect(verifyConsistency(m, n, h(ROOTS[m - 1]), h(ROOTS[n - 1]), proof)).toBe(true);
  });

  it.each(CONSISTENCY.filter(([, , p]) => p.length > 0))('refuses every corruption of the proof from %i to %i', (m, n, path) => {
    const proof = path.map(h);
    const r1 = h(ROOTS[m - 1]);
    const r2 = h(ROOTS[n - 1]);
    type Probe = [string, number, number, Buffer, Buffer, Buffer[]];
    const probes: Probe[] = [
      ['size1 - 1', m - 1, n, r1, r2, proof],
      ['size1 + 1', m + 1, n, r1, r2, proof],
      ['size1 ^ 2', m ^ 2, n, r1, r2, proof],
      ['size2 * 2', m, n * 2, r1, r2, proof],
      ['size2 / 2', m, Math.floor(n / 2), r1, r2, proof],
      ['wrong root1', m, n, Buffer.from('WrongRoot'), r2, proof],
      ['wrong root2', m, n, r1, Buffer.from('WrongRoot'), proof],
      ['swapped roots', m, n, r2, r1, proof],
      ['empty proof', m, n, r1, r2, []],
      ['trailing garbage', m, n, r1, r2, [...proof, Buffer.alloc(0)]],
      ['trailing root1', m, n, r1, r2, [...proof, r1]],
      ['trailing root2', m, n, r1, r2, [...proof, r2]],
      ['preceding garbage', m, n, r1, r2, [Buffer.alloc(0), ...proof]],
      ['preceding root1', m, n, r1, r2, [r1, ...proof]],
      ['preceding root2', m, n, r1, r2, [r2, ...proof]],
      ['preceding proof[0]', m, n, r1, r2, [proof[0], ...proof]],
      ['truncated proof', m, n, r1, r2, proof.slice(0, -1)],
      ...proof.map((_, i) => [`flipped bit in proof[${i}]`, m, n, r1, r2, proof.map((p, j) => (j === i ? Buffer.from([p[0] ^ 16, ...p.subarray(1)]) : p))] as Probe),
    ];
    const accepted = probes.filter(([, a, b, x, y, p]) => verifyConsistency(a, b, x, y, p)).map(([d]) => d);
    expect(accepted).toEqual([]);
  });

  it('handles the trivial cases as RFC 9162 says', () => {
    const r1 = Buffer.alloc(32, 1);
    const r2 = Buffer.alloc(32, 2);
    expect(verifyConsistency(0, 0, r1, r1, [])).toBe(true);
    expect(verifyConsistency(0, 1, r1, r2, [])).toBe(true);
    expect(verifyConsistency(1, 1, r2, r2, [])).toBe(true);
    expect(verifyConsistency(1, 1, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 0, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 2, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
  });
});

/** RFC 6962 §2.1 written out literally, over explicit leaf lists. */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return EMPTY_ROOT;
  if (d.length === 1) return d[0];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

describe('against the literal RFC 6962 definitions', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => leafHash(createHash('sha256').update(String(i)).digest()));
  const big = new MemoryTree(leaves);

  it('agrees on every root, audit path and consistency proof up to 40 leaves, and every proof verifies', async () => {
    for (let n = 1; n <= 40; n++) {
      const root = mth(leaves.slice(0, n));
      expect(big.root(n).equals(root)).toBe(true);
      for (let m = 0; m < n; m++) {
        const p = await big.inclusionProof(m, n);
        expect(p).toEqual(path(m, leaves.slice(0, n)));
        expect(verifyInclusion(m, n, leaves[m], p, root)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const p = await big.consistencyProof(m, n);
        expect(p).toEqual(m === n ? [] : subproof(m, leaves.slice(0, n), true));
        expect(verifyConsistency(m, n, mth(leaves.slice(0, m)), root, p)).toBe(true);
      }
    }
  });

  it('gives the root of a whole small tree and every path as the reference does, hashing each node once', async () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
      const reference = new MemoryTree(leaves);
      const { root, proofs } = rootAndInclusionProofs(leaves);
      expect(hex(root)).toBe(hex(reference.root()));
      for (let m = 0; m < n; m++) {
        expect(proofs[m].map(hex)).toEqual((await reference.inclusionProof(m)).map(hex));
        expect(verifyInclusion(m, n, leaves[m], proofs[m], root)).toBe(true);
      }
    }
    expect(rootAndInclusionProofs([])).toEqual({ root: EMPTY_ROOT, proofs: [] });
  });

  it('only decomposes ranges the RFC recursion can produce', () => {
    expect(rangeNodes(0, 7)).toEqual([{ height: 2, index: 0 }, { height: 1, index: 2 }, { height: 0, index: 6 }]);
    expect(rangeNodes(8, 11)).toEqual([{ height: 1, index: 4 }, { height: 0, index: 10 }]);
    expect(() => rangeNodes(2, 8)).toThrow();
    expect(inclusionRanges(2, 5)).toEqual([{ start: 3, end: 4 }, { start: 0, end: 2 }, { start: 4, end: 5 }]);
    expect(consistencyRanges(3, 7)).toEqual([{ start: 2, end: 3 }, { start: 3, end: 4 }, { start: 0, end: 2 }, { start: 4, end: 7 }]);
  });
});
