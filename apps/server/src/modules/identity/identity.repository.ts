/** All SQL of the identity module's tables: accounts, roles, enterprise members, mandates, sessions, clients, tokens. */
import { sql, type ColumnType } from 'kysely';
import type { Db } from '../../db/database';
import type { AccountKind } from '../../db/types';

type Q = Db; // a Kysely instance or a transaction

// An enterprise's registry data (migration 2026-11-26T0300): industry (GB/T 4754 门类 letter),
// registration and cancellation dates — the market-entity figures of oversight count them.
declare module '../../db/types' {
  interface AccountsTable {
    industry: string | null;
    registered_on: ColumnType<string | null, string | null | undefined, string | null>;
    cancelled_on: ColumnType<string | null, string | null | undefined, string | null>;
  }
}

export const accountsRepo = {
  byId: (db: Q, id: string) => db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst(),
  /** Several accounts in one statement (one text whatever their number). */
  byIds: (db: Q, ids: string[]) => db.selectFrom('accounts').selectAll().where(sql<boolean>`id = any(${ids})`).execute(),
  byUsername: (db: Q, username: string) => db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirst(),
  byIdNumberHash: (db: Q, h: string) => db.selectFrom('accounts').selectAll().where('id_number_hash', '=', h).executeTakeFirst(),
  byUscc: (db: Q, uscc: string) => db.selectFrom('accounts').selectAll().where('uscc', '=', uscc).executeTakeFirst(),
  roles: async (db: Q, id: string) =>
    (await db.selectFrom('account_roles').select('role').where('account_id', '=', id).orderBy('role').execute()).map((r) => r.role),
  insert: (
    db: Q,
    row: {
      id: string;
      kind: AccountKind;
      display_name: string;
      username?: string | null;
      password_hash?: string | null;
      oidc_subject?: string | null;
      id_number_hash?: string | null;
      id_number_enc?: string | null;
      uscc?: string | null;
      mobile_enc?: string | null;
      department_id?: string | null;
      region_code?: string | null;
    },
  ) => db.insertInto('accounts').values(row).execute(),
  setRoles: async (db: Q, id: string, roles: string[]) => {
    await db.deleteFrom('account_roles').where('account_id', '=', id).execute();
    if (roles.length) await db.insertInto('account_roles').values(roles.map((role) => ({ account_id: id, role }))).execute();
  },
  recordFailure: (db: Q, id: string, max: number, lockMinutes: number) =>
    db
      .updateTable('accounts')
      .set({
        failed_logins: sql`failed_logins + 1`,
        locked_until: sql`CASE WHEN failed_logins + 1 >= ${max} THEN now() + make_interval(mins => ${lockMinutes}) ELSE locked_until END`,
      })
      .where('id', '=', id)
      .returning(['failed_logins', 'locked_until'])
      .executeTakeFirstOrThrow(),
  recordSuccess: (db: Q, id: string) =>
    db.updateTable('accounts').set({ failed_logins: 0, locked_until: null, last_login_at: sql`now()` }).where('id', '=', id).execute(),
  update: (db: Q, id: string, patch: Record<string, unknown>) =>
    db.updateTable('accounts').set({ ...patch, updated_at: sql`now()` }).where('id', '=', id).execute(),
  listStaff: (db: Q, filter: { departmentId?: string; regionPrefix?: string }) => {
    let q = db
      .selectFrom('accounts')
      .leftJoin('departments', 'departments.id', 'accounts.department_id')
      .select([
        'accounts.id',
        'accounts.kind',
        'accounts.username',
        'accounts.display_name',
        'accounts.department_id',
        'accounts.region_code',
        'accounts.status',
        'accounts.totp_enabled',
        'accounts.last_login_at',
        'accounts.locked_until',
        'departments.name as department_name',
      ])
      .where('accounts.kind', 'not in', ['citizen', 'enterprise'])
      .orderBy('accounts.username');
    if (filter.departmentId) q = q.where('accounts.department_id', '=', filter.departmentId);
    if (filter.regionPrefix) q = q.where('accounts.region_code', 'like', filter.regionPrefix);
    return q.execute();
  },
  rolesOf: async (db: Q, ids: string[]) => {
    if (!ids.length) return new Map<string, string[]>();
    const rows = await db.selectFrom('account_roles').select(['account_id', 'role']).where('account_id', 'in', ids).orderBy('role').execute();
    const m = new Map<string, string[]>();
    for (const r of rows) m.set(r.account_id, [...(m.get(r.account_id) ?? []), r.role]);
    return m;
  },
};

export const membersRepo = {
  /** Enterprises this person may act for (not revoked, not expired). */
  enterprisesOf: (db: Q, personId: string) =>
    db
      .selectFrom('enterprise_members as m')
      .innerJoin('accounts as e', 'e.id', 'm.enterprise_id')
      .select(['e.id', 'e.display_name', 'm.role'])
      .where('m.person_id', '=', personId)
      .where('m.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('m.valid_until', 'is', null), eb('m.valid_until', '>', sql<Date>`now()`)]))
      .orderBy('e.display_name')
      .execute(),
  upsert: (db: Q, row: { enterprise_id: string; person_id: string; role: 'legal_rep' | 'staff'; granted_by: string | null; valid_until: Date | null }) =>
    db
      .insertInto('enterprise_members')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['enterprise_id', 'person_id']).doUpdateSet({ role: row.role, granted_by: row.granted_by, valid_until: row.valid_until, revoked_at: null }),
      )
      .execute(),
  revoke: (db: Q, enterpriseId: string, personId: string) =>
    db
      .updateTable('enterprise_members')
      .set({ revoked_at: sql`now()` })
      .where('enterprise_id', '=', enterpriseId)
      .where('person_id', '=', personId)
      .where('role', '=', 'staff')
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),
  staffOf: (db: Q, enterpriseId: string) =>
    db
      .selectFrom('enterprise_members as m')
      .innerJoin('accounts as p', 'p.id', 'm.person_id')
      .select(['p.id', 'p.display_name', 'm.role', 'm.valid_until', 'm.revoked_at', 'm.created_at'])
      .where('m.enterprise_id', '=', enterpriseId)
      .orderBy('m.created_at')
      .execute(),
};

export const mandatesRepo = {
  insert: (db: Q, row: { id: string; agent_id: string; principal_id: string; scope: string; reason: string; valid_from: Date; valid_until: Date; created_by: string }) =>
    db.insertInto('mandates').values(row).execute(),
  byId: (db: Q, id: string) => db.selectFrom('mandates').selectAll().where('id', '=', id).executeTakeFirst(),
  /** Mandates naming this account as agent or principal, with the other party's name. */
  involving: (db: Q, accountId: string) =>
    db
      .selectFrom('mandates as m')
      .innerJoin('accounts as a', 'a.id', 'm.agent_id')
      .innerJoin('accounts as p', 'p.id', 'm.principal_id')
      .select(['m.id', 'm.agent_id', 'a.display_name as agent_name', 'm.principal_id', 'p.display_name as principal_name', 'm.scope', 'm.reason', 'm.valid_from', 'm.valid_until', 'm.revoked_at', 'm.created_at'])
      .where((eb) => eb.or([eb('m.agent_id', '=', accountId), eb('m.principal_id', '=', accountId)]))
      .orderBy('m.created_at', 'desc')
      .execute(),
  /** Valid mandates under which this agent may act now. */
  activeForAgent: (db: Q, agentId: string) =>
    db
      .selectFrom('mandates as m')
      .innerJoin('accounts as p', 'p.id', 'm.principal_id')
      .select(['m.id', 'p.id as principal_id', 'p.display_name'])
      .where('m.agent_id', '=', agentId)
      .where('m.revoked_at', 'is', null)
      .where('m.valid_from', '<=', sql<Date>`now()`)
      .where('m.valid_until', '>', sql<Date>`now()`)
      .execute(),
  revoke: (db: Q, id: string) => db.updateTable('mandates').set({ revoked_at: sql`now()` }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst(),
};

export const sessionsRepo = {
  insert: (db: Q, row: { id_hash: string; account_id: string; csrf_token: string; amr: string; ip: string | null; user_agent: string | null; expires_at: Date; acting_as_id?: string | null; acting_as_role?: string | null }) =>
    db.insertInto('sessions').values(row).execute(),
  /**
   * The session (with whether it is within its absolute limit and how long it was idle), its
   * account and the account's roles in one round trip (every signed-in
   * request reads it): null fields `a_*` when the account is gone.
   */
  loadWithAccount: (db: Q, idHash: string) =>
    db
      .selectFrom('sessions as s')
      .leftJoin('accounts as a', 'a.id', 's.account_id')
      .selectAll('s')
      .select(sql<boolean>`s.expires_at > now()`.as('within_max'))
      .select(sql<number>`extract(epoch from now() - s.last_seen_at)`.as('idle_seconds'))
      .select(sql<number>`extract(epoch from s.expires_at - now())`.as('expires_in_seconds'))
      .select(['a.id as a_id', 'a.kind as a_kind', 'a.display_name as a_display_name', 'a.department_id as a_department_id', 'a.region_code as a_region_code', 'a.status as a_status'])
      .select(sql<string[]>`coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM account_roles r WHERE r.account_id = s.account_id), '{}')`.as('a_roles'))
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst(),
  touch: (db: Q, idHash: string) => db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('id_hash', '=', idHash).execute(),
  revoke: (db: Q, idHash: string) => db.updateTable('sessions').set({ revoked_at: sql`now()` }).where('id_hash', '=', idHash).execute(),
  setActing: (db: Q, idHash: string, v: { acting_as_id: string | null; acting_as_role: string | null; acting_for_id: string | null; mandate_id: string | null }) =>
    db.updateTable('sessions').set(v).where('id_hash', '=', idHash).execute(),
};

export const clientsRepo = {
  byClientId: (db: Q, clientId: string) => db.selectFrom('api_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst(),
  insert: (db: Q, row: { id: string; client_id: string; name: string; department_id: string; secret_hash: string | null; scopes: string; created_by: string | null }) =>
    db.insertInto('api_clients').values(row).execute(),
  list: (db: Q, departmentId?: string) => {
    let q = db
      .selectFrom('api_clients as c')
      .innerJoin('departments as d', 'd.id', 'c.department_id')
      .select(['c.id', 'c.client_id', 'c.name', 'c.department_id', 'd.name as department_name', 'c.scopes', 'c.status', 'c.created_at'])
      .orderBy('c.client_id');
    if (departmentId) q = q.where('c.department_id', '=', departmentId);
    return q.execute();
  },
  withRegion: (db: Q, by: 'id' | 'client_id', value: string) =>
    db
      .selectFrom('api_clients as c')
      .innerJoin('departments as d', 'd.id', 'c.department_id')
      .select(['c.id', 'c.client_id', 'c.name', 'c.department_id', 'd.region_code', 'c.status', 'c.scopes'])
      .where(by === 'id' ? 'c.id' : 'c.client_id', '=', value)
      .executeTakeFirst(),
  setStatus: (db: Q, id: string, status: 'active' | 'disabled') => db.updateTable('api_clients').set({ status }).where('id', '=', id).execute(),
  insertToken: (db: Q, row: { token_hash: string; client_id: string; scopes: string; expires_at: Date }) => db.insertInto('access_tokens').values(row).execute(),
  loadToken: (db: Q, tokenHash: string) =>
    db
      .selectFrom('access_tokens as t')
      .innerJoin('api_clients as c', 'c.id', 't.client_id')
      .innerJoin('departments as d', 'd.id', 'c.department_id')
      .select(['c.id', 'c.client_id', 'c.name', 'c.department_id', 'd.region_code', 'c.status', 't.scopes', 't.expires_at'])
      .select(sql<boolean>`t.expires_at > now()`.as('live'))
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst(),
};

export const oidcRepo = {
  insertLogin: (db: Q, row: { state: string; nonce: string; code_verifier: string; login_type: string; return_to: string }) =>
    db.insertInto('oidc_logins').values(row).execute(),
  /** Takes (deletes and returns) a pending login younger than ten minutes. */
  takeLogin: (db: Q, state: string) =>
    db
      .deleteFrom('oidc_logins')
      .where('state', '=', state)
      .where('created_at', '>', sql<Date>`now() - interval '10 minutes'`)
      .returningAll()
      .executeTakeFirst(),
};
