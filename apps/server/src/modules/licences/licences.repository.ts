/** All SQL of the licences module's tables (licence_issuer_keys, licence_status_lists). */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { LicenceIssuerKeysTable, LicenceStatusListsTable } from '../../db/types';

type Alg = LicenceIssuerKeysTable['alg'];

export const issuerKeysRepo = {
  byKid: (db: Db, kid: string) => db.selectFrom('licence_issuer_keys').selectAll().where('kid', '=', kid).executeTakeFirst(),
  /** The active key of a department for an algorithm; `lock` holds it for a rotation. */
  active: (db: Db, departmentId: string, alg: Alg, lock = false) => {
    const q = db.selectFrom('licence_issuer_keys').selectAll().where('department_id', '=', departmentId).where('alg', '=', alg).where('status', '=', 'active');
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  },
  /** Keys a verifier may use: active and retired, never revoked. */
  published: (db: Db, departmentId?: string) => {
    let q = db.selectFrom('licence_issuer_keys').selectAll().where('status', '!=', 'revoked').orderBy('department_id').orderBy('created_at');
    if (departmentId) q = q.where('department_id', '=', departmentId);
    return q.execute();
  },
  insert: (db: Db, row: { kid: string; department_id: string; alg: Alg; public_jwk: string; private_jwk_sealed: string }) => db.insertInto('licence_issuer_keys').values(row).execute(),
  retire: (db: Db, kid: string) => db.updateTable('licence_issuer_keys').set({ status: 'retired', retired_at: sql`now()` }).where('kid', '=', kid).execute(),
  revoke: (db: Db, kid: string, reason: string) =>
    db.updateTable('licence_issuer_keys').set({ status: 'revoked', revoked_at: sql`now()`, revoked_reason: reason }).where('kid', '=', kid).where('status', '!=', 'revoked').executeTakeFirst(),
};

export const statusListsRepo = {
  byId: (db: Db, id: string, lock = false) => {
    const q = db.selectFrom('licence_status_lists').selectAll().where('id', '=', id);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  },
  insert: (db: Db, row: Omit<LicenceStatusListsTable, 'created_at' | 'updated_at'>) => db.insertInto('licence_status_lists').values(row).execute(),
  setList: (db: Db, id: string, lst: string) => db.updateTable('licence_status_lists').set({ lst, updated_at: sql`clock_timestamp()` }).where('id', '=', id).execute(),
};
