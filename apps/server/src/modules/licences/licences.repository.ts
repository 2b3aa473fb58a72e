/** All SQL of the licences module's tables (licence_issuer_keys, licence_status_lists, licences, licence_holder_keys, licence_presentations, licence_trusted_issuers, licence_uses). */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { LicenceIssuerKeysTable, LicenceStatusListsTable } from '../../db/types';
import './licences.tables';
import type { Insertable } from 'kysely';
import type { LicencesTable, LicenceTrustedIssuersTable, LicenceUsesTable } from './licences.tables';

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

// ---- licences, wallets, presentations, trust list, uses ------------------------------------------


export const licencesRepo = {
  byId: (db: Db, id: string, lock = false) => {
    const q = db.selectFrom('licences').selectAll().where('id', '=', id);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  },
  byApplication: (db: Db, applicationId: string) => db.selectFrom('licences').selectAll().where('application_id', '=', applicationId).executeTakeFirst(),
  ofHolder: (db: Db, holderAccountId: string) => db.selectFrom('licences').selectAll().where('holder_account_id', '=', holderAccountId).orderBy('created_at', 'desc').execute(),
  /** The holder's newest licence of a type that is valid today. */
  currentOfHolder: (db: Db, holderAccountId: string, type: string) =>
    db
      .selectFrom('licences')
      .selectAll()
      .where('holder_account_id', '=', holderAccountId)
      .where('type', '=', type)
      .where('status', '=', 'valid')
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', sql<Date>`now()`)]))
      .orderBy('created_at', 'desc')
      .executeTakeFirst(),
  ofDepartment: (db: Db, departmentId: string | null, limit: number) => {
    let q = db.selectFrom('licences').selectAll().orderBy('created_at', 'desc').limit(limit);
    if (departmentId) q = q.where('department_id', '=', departmentId);
    return q.execute();
  },
  insert: (db: Db, row: Insertable<LicencesTable>) => db.insertInto('licences').values(row).execute(),
  setStatus: (db: Db, id: string, status: 'valid' | 'suspended' | 'revoked', reason: string | null) =>
    db.updateTable('licences').set({ status, status_reason: reason, updated_at: sql`now()` }).where('id', '=', id).execute(),
  indexTaken: async (db: Db, listId: string, index: number) =>
    !!(await db.selectFrom('licences').select('id').where('status_list_id', '=', listId).where('status_index', '=', index).executeTakeFirst()),
  countOnList: async (db: Db, listId: string) =>
    Number((await db.selectFrom('licences').select((eb) => eb.fn.countAll<number>().as('n')).where('status_list_id', '=', listId).executeTakeFirstOrThrow()).n),
};

export const listsForIssuanceRepo = {
  /** The department's newest list of an algorithm, locked: issuance allocates from it one at a time. */
  newest: (db: Db, departmentId: string, alg: Alg) =>
    db.selectFrom('licence_status_lists').selectAll().where('department_id', '=', departmentId).where('alg', '=', alg).orderBy('created_at', 'desc').limit(1).forUpdate().executeTakeFirst(),
};

export const holderKeysRepo = {
  byAccount: (db: Db, accountId: string) => db.selectFrom('licence_holder_keys').selectAll().where('account_id', '=', accountId).executeTakeFirst(),
  insert: (db: Db, row: { account_id: string; kid: string; public_jwk: string; private_jwk_sealed: string }) =>
    db.insertInto('licence_holder_keys').values(row).onConflict((oc) => oc.column('account_id').doNothing()).execute(),
};

export const presentationsRepo = {
  byId: (db: Db, id: string) => db.selectFrom('licence_presentations').selectAll().where('id', '=', id).executeTakeFirst(),
  insert: (db: Db, row: { id: string; licence_id: string; holder_account_id: string; fields: string; compact_sealed: string; expires_at: Date }) =>
    db.insertInto('licence_presentations').values(row).execute(),
};

export const trustedIssuersRepo = {
  active: (db: Db) => db.selectFrom('licence_trusted_issuers').selectAll().where('removed_at', 'is', null).orderBy('created_at').execute(),
  byId: (db: Db, id: string) => db.selectFrom('licence_trusted_issuers').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst(),
  byIss: (db: Db, iss: string) => db.selectFrom('licence_trusted_issuers').selectAll().where('iss', '=', iss).where('removed_at', 'is', null).executeTakeFirst(),
  insert: (db: Db, row: Insertable<LicenceTrustedIssuersTable>) => db.insertInto('licence_trusted_issuers').values(row).execute(),
  remove: (db: Db, id: string) => db.updateTable('licence_trusted_issuers').set({ removed_at: sql`now()` }).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst(),
};

export const usesRepo = {
  insert: (db: Db, row: Insertable<LicenceUsesTable>) => db.insertInto('licence_uses').values(row).execute(),
  ofHolder: (db: Db, holderAccountId: string) =>
    db
      .selectFrom('licence_uses as u')
      .innerJoin('licences as l', 'l.id', 'u.licence_id')
      .innerJoin('departments as d', 'd.id', 'u.used_by_department_id')
      .select(['u.id', 'u.at', 'u.licence_id', 'u.licence_type', 'l.number', 'u.used_by_department_id', 'd.name as department_name', 'd.name_en as department_name_en', 'u.used_by_name', 'u.purpose', 'u.fields', 'u.outcome', 'u.reason', 'u.leaf_hash'])
      .where('u.holder_account_id', '=', holderAccountId)
      .orderBy('u.at', 'desc')
      .limit(500)
      .execute(),
};
