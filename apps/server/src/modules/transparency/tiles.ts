/**
 * The storage layout of the tree: tiles, as in C2SP tlog-tiles (Sunlight, Trillian Tessera).
 *
 * A tile (level L, index N) holds up to 256 consecutive hashes of the tree's nodes at height 8·L:
 * nodes N·256 … N·256+255. Level-0 tiles hold the leaf hashes; a level-1 entry is the root of one
 * full level-0 tile, and so on. Only the rightmost tile of each level can be partial; it grows in
 * place as the log grows. Nodes between tile levels (heights 8L+1 … 8L+7) are not stored: they are
 * recomputed from at most 128 hashes of one tile. A hash, once written, never changes — so a tile
 * read later than the tree head it serves is still correct for that head.
 *
 * At 10,000,000 entries this is about 39,300 rows of ≤ 8 KiB (≈ 320 MB, the leaf hashes included),
 * and any inclusion or consistency proof reads at most two tiles per level (four levels) in one query.
 */
import { EMPTY_ROOT, foldRight, nodeHash, perfectRoot, type NodeId } from './merkle';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileId {
  level: number;
  index: number;
}

export interface Tile extends TileId {
  /** Concatenated 32-byte hashes (1 … 256 of them). */
  hashes: Buffer;
  /** The tile's internal subtree hashes, levels[r][j] = node of height 8L+r; see withLevels. */
  levels?: Buffer[][];
}

/**
 * Precomputes every complete subtree inside a tile (511 hashes for a full one), so that proofs
 * stop re-hashing up to 254 nodes per tile. Worth caching: tile hashes never change.
 */
export function withLevels(tile: Tile): Tile {
  const levels: Buffer[][] = [Array.from({ length: tile.hashes.length / 32 }, (_, i) => tile.hashes.subarray(i * 32, i * 32 + 32))];
  for (let r = 1; r <= TILE_HEIGHT; r++) {
    const below = levels[r - 1];
    const here: Buffer[] = [];
    for (let j = 0; j + 1 < below.length; j += 2) here.push(nodeHash(below[j], below[j + 1]));
    levels.push(here);
  }
  return { ...tile, levels };
}


export const tileKey = (t: TileId) => `${t.level}/${t.index}`;

function hashAt(tile: Tile | undefined, offset: number): Buffer {
  if (!tile || (offset + 1) * 32 > tile.hashes.length) throw new Error(`tile ${tile ? tileKey(tile) : '?'} lacks hash ${offset}`);
  return tile.hashes.subarray(offset * 32, offset * 32 + 32);
}

/** Where a node's hash comes from: which tile, and which run of its hashes form the node. */
function locate(n: NodeId): { tile: TileId; offset: number; count: number } {
  const level = Math.floor(n.height / TILE_HEIGHT);
  const count = 2 ** (n.height - level * TILE_HEIGHT);
  const first = n.index * count; // index of the node's first descendant at height 8·level
  return { tile: { level, index: Math.floor(first / TILE_WIDTH) }, offset: first % TILE_WIDTH, count };
}

/** The tiles these nodes come from, each with how many of its hashes they need. */
export function tilesFor(nodes: NodeId[]): (TileId & { need: number })[] {
  const seen = new Map<string, TileId & { need: number }>();
  for (const n of nodes) {
    const { tile, offset, count } = locate(n);
    const key = tileKey(tile);
    seen.set(key, { ...tile, need: Math.max(seen.get(key)?.need ?? 0, offset + count) });
  }
  return [...seen.values()];
}

export function nodeFromTiles(n: NodeId, tiles: Map<string, Tile>): Buffer {
  const { tile, offset, count } = locate(n);
  const t = tiles.get(tileKey(tile));
  const memo = t?.levels?.[Math.log2(count)]?.[offset / count];
  if (memo) return memo;
  const run: Buffer[] = [];
  for (let i = 0; i < count; i++) run.push(hashAt(t, offset + i));
  return count === 1 ? run[0] : perfectRoot(run);
}

/** Complete nodes at height 8·level in a tree of `size` leaves. */
const nodesAtLevel = (size: number, level: number) => Math.floor(size / TILE_WIDTH ** level);

/** The partial (rightmost, not full) tile of each level at `size`: the tiles a root or an append needs. */
export function edgeTiles(size: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; nodesAtLevel(size, level) > 0; level++) {
    const n = nodesAtLevel(size, level);
    if (n % TILE_WIDTH !== 0) out.push({ level, index: Math.floor(n / TILE_WIDTH) });
  }
  return out;
}

/**
 * The root at `size` from the edge tiles: the set bits of `size` name the complete subtrees
 * ("peaks"); those of bits 8L … 8L+7 are made of the partial tile of level L.
 */
export function rootFromTiles(size: number, tiles: Map<string, Tile>): Buffer {
  if (size === 0) return EMPTY_ROOT;
  const peaks: Buffer[] = [];
  let top = 0;
  while (nodesAtLevel(size, top + 1) > 0) top++;
  for (let level = top; level >= 0; level--) {
    const width = nodesAtLevel(size, level) % TILE_WIDTH;
    if (width === 0) continue;
    const tile = tiles.get(tileKey({ level, index: Math.floor(nodesAtLevel(size, level) / TILE_WIDTH) }));
    let offset = 0;
    for (let h = TILE_HEIGHT - 1; h >= 0; h--) {
      const count = 2 ** h;
      if (width & count) {
        const run: Buffer[] = [];
        for (let i = 0; i < count; i++) run.push(hashAt(tile, offset + i));
        peaks.push(count === 1 ? run[0] : perfectRoot(run));
        offset += count;
      }
    }
  }
  return foldRight(peaks);
}

/**
 * Appends leaf hashes to a tree of `size` whose edge tiles are given; returns every tile that
 * changed or appeared (to be written) and the new root. Full tiles roll up into the level above.
 */
export function appendToTiles(size: number, edge: Map<string, Tile>, leaves: Buffer[]): { tiles: Tile[]; root: Buffer; size: number } {
  const changed = new Map<string, Tile>();
  const working = new Map(edge);
  let incoming = leaves;
  for (let level = 0; incoming.length > 0; level++) {
    const before = nodesAtLevel(size, level);
    const promoted: Buffer[] = [];
    let position = before;
    let i = 0;
    while (i < incoming.length) {
      const index = Math.floor(position / TILE_WIDTH);
      const key = tileKey({ level, index });
      const existing = working.get(key);
      const have = position % TILE_WIDTH;
      if (have > 0 && (!existing || existing.hashes.length < have * 32)) throw new Error(`edge tile ${key} is missing`);
      const room = TILE_WIDTH - have;
      const take = incoming.slice(i, i + room);
      const hashes = Buffer.concat([have > 0 ? existing!.hashes.subarray(0, have * 32) : Buffer.alloc(0), ...take]);
      const tile = { level, index, hashes };
      working.set(key, tile);
      changed.set(key, tile);
      if (hashes.length === TILE_WIDTH * 32) {
        const run: Buffer[] = [];
        for (let j = 0; j < TILE_WIDTH; j++) run.push(hashes.subarray(j * 32, j * 32 + 32));
        promoted.push(perfectRoot(run));
      }
      position += take.length;
      i += take.length;
    }
    incoming = promoted;
  }
  const newSize = size + leaves.length;
  return { tiles: [...changed.values()], root: rootFromTiles(newSize, working), size: newSize };
}
