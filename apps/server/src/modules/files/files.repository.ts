/** All SQL of the files module: the metadata of stored materials (the bytes live in the blob store). */
import type { Db } from '../../db/database';
import type { FileMediaType } from '../../db/types';

type Q = Db; // a Kysely instance or a transaction

export const filesRepo = {
  insert: (db: Q, row: { id: string; sha256: string; size: number; media_type: FileMediaType; original_name: string; owner_id: string; uploaded_by: string }) =>
    db.insertInto('files').values(row).returningAll().executeTakeFirstOrThrow(),
  byId: (db: Q, id: string) => db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst(),
  byIds: (db: Q, ids: string[]) => (ids.length ? db.selectFrom('files').selectAll().where('id', 'in', ids).execute() : Promise.resolve([])),
  listByOwner: (db: Q, ownerId: string, limit: number, offset: number) =>
    db.selectFrom('files').selectAll().where('owner_id', '=', ownerId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
  countByOwner: async (db: Q, ownerId: string) =>
    Number((await db.selectFrom('files').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow()).n),
  /** Whether any record still points at a blob (the orphan sweep keeps those). */
  blobReferenced: async (db: Q, sha256: string) => !!(await db.selectFrom('files').select('id').where('sha256', '=', sha256).limit(1).executeTakeFirst()),
};
