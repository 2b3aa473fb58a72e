/**
 * The tile layout against the in-memory tree: appends in uneven batches across tile and level
 * boundaries (past 65,536 leaves, so three tile levels), then roots and proofs at old and new sizes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryTree, consistencyRanges, hashRanges, inclusionRanges, leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { appendToTiles, edgeTiles, nodeFromTiles, rootFromTiles, tileKey, tilesFor, type Tile } from './tiles';

function store() {
  const tiles = new Map<string, Tile>();
  let size = 0;
  return {
    get size() {
      return size;
    },
    append(leaves: Buffer[]) {
      const edge = new Map(edgeTiles(size).map((t) => [tileKey(t), tiles.get(tileKey(t))!] as [string, Tile]));
      const next = appendToTiles(size, edge, leaves);
      for (const t of next.tiles) tiles.set(tileKey(t), { ...t, hashes: Buffer.from(t.hashes) });
      size = next.size;
      return next.root;
    },
    async nodes(ids: { height: number; index: number }[]) {
      const needed = new Map(tilesFor(ids).map((t) => [tileKey(t), tiles.get(tileKey(t))!] as [string, Tile]));
      return ids.map((n) => nodeFromTiles(n, needed));
    },
    root: (n: number) => rootFromTiles(n, tiles),
    tileCount: () => tiles.size,
  };
}

describe('tiles', () => {
  const N = 70_000;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(createHash('sha256').update(`entry ${i}`).digest()));
  const memory = new MemoryTree(leaves);

  it('gives the same roots and proofs as the full tree, at every batch boundary', async () => {
    const s = store();
    const sizes: number[] = [];
    let i = 0;
    const batches = [1, 1, 254, 1, 256, 511, 3, 1024, 65_000 - 2051, 535, 1, 4000, N];
    for (const b of batches) {
      const n = Math.min(b, N - i);
      if (n <= 0) break;
      const root = s.append(leaves.slice(i, i + n));
      i += n;
      sizes.push(i);
      expect(root.equals(memory.root(i)), `root at ${i}`).toBe(true);
    }
    expect(i).toBe(N);
    // Level 0: 274 tiles (273 full, 1 partial), level 1: 2 tiles, level 2: 1 partial tile.
    expect(s.tileCount()).toBe(Math.ceil(N / 256) + 2 + 1);
    for (const size of sizes) {
      expect(s.root(size).equals(memory.root(size)), `stored root at ${size}`).toBe(true);
      for (const index of new Set([0, 1, Math.floor(size / 2), size - 1].filter((x) => x < size))) {
        const proof = await hashRanges(inclusionRanges(index, size), (ids) => s.nodes(ids));
        expect(proof).toEqual(await memory.inclusionProof(index, size));
        expect(verifyInclusion(index, size, leaves[index], proof, memory.root(size))).toBe(true);
      }
    }
    for (const [a, b] of [[1, N], [255, 257], [256, 65_536], [65_535, 65_537], [1000, 4000], [4095, N]]) {
      const proof = await hashRanges(consistencyRanges(a, b), (ids) => s.nodes(ids));
      expect(proof).toEqual(await memory.consistencyProof(a, b));
      expect(verifyConsistency(a, b, memory.root(a), memory.root(b), proof)).toBe(true);
    }
  });

  it('names only the partial tiles as the edge', () => {
    expect(edgeTiles(0)).toEqual([]);
    expect(edgeTiles(256)).toEqual([{ level: 1, index: 0 }]);
    expect(edgeTiles(65_536)).toEqual([{ level: 2, index: 0 }]);
    expect(edgeTiles(10_000_000)).toEqual([
      { level: 0, index: 39_062 },
      { level: 1, index: 152 },
      { level: 2, index: 0 },
    ]);
  });
});
