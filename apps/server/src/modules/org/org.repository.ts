/** SQL of the org module: departments (regions come from the GB/T 2260 data package, not a table). */
import type { Db } from '../../db/database';

export const departmentsRepo = {
  byId: (db: Db, id: string) => db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst(),
  byCode: (db: Db, code: string) => db.selectFrom('departments').selectAll().where('code', '=', code).executeTakeFirst(),
  list: (db: Db, regionPrefix?: string) => {
    let q = db.selectFrom('departments').selectAll().orderBy('region_code').orderBy('code');
    if (regionPrefix) q = q.where('region_code', 'like', regionPrefix);
    return q.execute();
  },
  insert: (db: Db, row: { id: string; code: string; name: string; name_en: string; region_code: string; uscc: string | null; kind: 'legal_authority' | 'authorised_org' | 'entrusted_org'; parent_id: string | null }) =>
    db.insertInto('departments').values(row).execute(),
  update: (db: Db, id: string, set: Partial<{ name: string; name_en: string; uscc: string | null; kind: 'legal_authority' | 'authorised_org' | 'entrusted_org'; parent_id: string | null }>) =>
    db.updateTable('departments').set(set).where('id', '=', id).execute(),
};
