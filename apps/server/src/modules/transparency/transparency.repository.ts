/** All SQL of the transparency log's tables (tlog_*). */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { Tile, TileId } from './tiles';

const bytes = (b: Buffer | Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
/** Rows per INSERT: three parameters each, well under PostgreSQL's 65,535. */
const CHUNK = 5000;

export interface SthRow {
  tree_size: number;
  root_hash: Buffer;
  timestamp_ms: number;
  signature: Buffer;
  key_id: string;
}

export const tlogRepo = {
  async enqueue(db: Db, rows: { leaf_hash: Buffer; entry: Buffer }[]) {
    for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('tlog_queue').values(rows.slice(i, i + CHUNK)).execute();
  },

  /** The tree's state row, locked for this transaction — or nothing when another sequencer holds it. */
  lockState: (trx: Db) =>
    trx.selectFrom('tlog_state').select(['tree_size', 'root_hash']).where('id', '=', 1).forUpdate().skipLocked().executeTakeFirst(),

  /** Takes the oldest committed queue rows (uncommitted ones are invisible and wait for the next batch). */
  async claimQueue(trx: Db, limit: number) {
    const rows = await sql<{ id: number; leaf_hash: Uint8Array; entry: Uint8Array }>`
      DELETE FROM tlog_queue WHERE id IN (SELECT id FROM tlog_queue ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id, leaf_hash, entry`.execute(trx);
    return rows.rows.map((r) => ({ id: Number(r.id), leaf_hash: bytes(r.leaf_hash), entry: bytes(r.entry) })).sort((a, b) => a.id - b.id);
  },

  async insertLeaves(trx: Db, rows: { idx: number; leaf_hash: Buffer; entry: Buffer }[]) {
    for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('tlog_leaves').values(rows.slice(i, i + CHUNK)).execute();
  },

  async tiles(db: Db, ids: TileId[]): Promise<Tile[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('tlog_tiles')
      .select(['level', 'idx', 'hashes'])
      .where((eb) => eb.or(ids.map((t) => eb.and([eb('level', '=', t.level), eb('idx', '=', t.index)]))))
      .execute();
    return rows.map((r) => ({ level: r.level, index: Number(r.idx), hashes: bytes(r.hashes) }));
  },

  async upsertTiles(trx: Db, tiles: Tile[]) {
    for (let i = 0; i < tiles.length; i += 1000) {
      await trx
        .insertInto('tlog_tiles')
        .values(tiles.slice(i, i + 1000).map((t) => ({ level: t.level, idx: t.index, hashes: t.hashes })))
        .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet((eb) => ({ hashes: eb.ref('excluded.hashes') })))
        .execute();
    }
  },

  updateState: (trx: Db, size: number, root: Buffer) =>
    trx.updateTable('tlog_state').set({ tree_size: size, root_hash: root, updated_at: sql`now()` }).where('id', '=', 1).execute(),

  insertSth: (trx: Db, row: SthRow) => trx.insertInto('tlog_sths').values(row).execute(),

  latestSth: (db: Db) => db.selectFrom('tlog_sths').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirst(),
  sthAt: (db: Db, size: number) => db.selectFrom('tlog_sths').selectAll().where('tree_size', '=', size).executeTakeFirst(),
  sths: (db: Db) => db.selectFrom('tlog_sths').selectAll().orderBy('tree_size').execute(),

  leaf: (db: Db, idx: number) => db.selectFrom('tlog_leaves').select(['idx', 'leaf_hash', 'entry']).where('idx', '=', idx).executeTakeFirst(),
  leaves: (db: Db, start: number, endExclusive: number) =>
    db.selectFrom('tlog_leaves').select(['idx', 'leaf_hash', 'entry']).where('idx', '>=', start).where('idx', '<', endExclusive).orderBy('idx').execute(),

  /** The first index holding this leaf hash, within the first `size` leaves. */
  indexOfLeafHash: async (db: Db, hash: Buffer, size: number) =>
    (await db.selectFrom('tlog_leaves').select('idx').where('leaf_hash', '=', hash).where('idx', '<', size).orderBy('idx').limit(1).executeTakeFirst())?.idx,

  queueLength: async (db: Db) => Number((await db.selectFrom('tlog_queue').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
};
