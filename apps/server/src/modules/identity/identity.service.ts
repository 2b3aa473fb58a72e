/**
 * Identity and access: who someone is (sign-in for staff, citizens, enterprises and machine
 * clients), on whose behalf they act (enterprise membership, mandates), and the sessions and
 * tokens that carry this between requests. Authorization data scope is enforced by each service
 * with the Actor built here.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { Db, DatabaseHandle } from '../../db/database';
import { notifyAtCommit } from '../../db/deferred';
import type { AccountKind, AccountsTable } from '../../db/types';
import { recordAudit } from '../../plugins/audit';
import { OFFICER_ROLES, type Actor, type RequestContext, type Role } from '../../shared/actor';
import { randomToken, sha256, type FieldCrypto } from '../../shared/crypto';
import { errors } from '../../shared/errors';
import { maskResidentId } from '../../shared/masking';
import { isInSubtree } from '../../shared/regions';
import { validateResidentId } from '../../shared/validators';
import type { OrgService } from '../org';
import { identityErrors } from './identity.errors';
import { accountsRepo, clientsRepo, mandatesRepo, membersRepo, oidcRepo, sessionsRepo } from './identity.repository';
import type { OidcClient } from './oidc-client';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp';

/** An account as the subject of data (a person or an enterprise), as other modules see it. */
export interface DataSubject {
  id: string;
  kind: AccountKind;
  displayName: string;
  idNumber: string | null;
  uscc: string | null;
}

/** A machine client (another government system) as other modules see it. */
export interface MachineClient {
  id: string;
  clientId: string;
  name: string;
  departmentId: string;
  regionCode: string;
  status: 'active' | 'disabled';
  scopes: string[];
}


/** An enterprise's registry data (市场主体登记): industry section letter of GB/T 4754, dates 'YYYY-MM-DD'. */
export interface EnterpriseRegistry {
  industry: string;
  registeredOn: string;
  cancelledOn?: string | null;
}
export interface SessionInfo {
  idHash: string;
  csrfToken: string;
}

export interface ClientMeta {
  ip: string | null;
  userAgent: string | null;
}

/** An account's contact details, as `contactOf` gives them to the notifications module. */
export interface Contact {
  accountId: string;
  kind: AccountKind;
  displayName: string;
  mobile: string | null;
  email: string | null;
}

/** Roles each kind of staff account may hold. */
const STAFF_ROLES: Record<'officer' | 'data_admin' | 'supervisor' | 'platform_admin', readonly Role[]> = {
  officer: OFFICER_ROLES,
  data_admin: ['data_admin'],
  supervisor: ['supervisor'],
  platform_admin: ['platform_admin'],
};

const ACCESS_TOKEN_SECONDS = 3600;
/**
 * How long a verified bearer token is reused without a database read: a client disabled or a
 * token deleted in another process stops working within this bound (in this process at once,
 * see forgetBearerTokens); a token's own expiry is checked exactly on every request.
 */
export const BEARER_CACHE_MS = 5000;
/** The shape of the access tokens this module issues (randomToken(32)). */
const BEARER_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Verified bearer tokens kept at most (the oldest is dropped first). */
const BEARER_CACHE_SIZE = 10_000;
/** Touch last_seen_at at most this often: a write per request would cost more than it tells. */
const TOUCH_SECONDS = 60;
/**
 * How long a signed-in session's actor is reused without a database read. Every change that ends
 * or alters a session through this module (logout, switching whom one acts for, disabling a staff
 * account, changing its roles, ending a mandate or an enterprise staff membership, a new name)
 * drops the cached sessions at once in its own process, before and again after its commit, and in
 * every other process when the NOTIFY sent at its commit arrives (milliseconds); this bound only
 * matters when that notification is lost (the LISTEN connection down: all are dropped when it is
 * back) or for a change made behind the module's back (SQL by hand), and for a mandate or
 * membership that runs out by its own end date. Expiry (absolute and idle) is checked on every request.
 */
export const SESSION_CACHE_MS = 2000;
/** Cached sessions at most (the oldest is dropped first). */
const SESSION_CACHE_SIZE = 10_000;
/** NOTIFY channel of session changes: `s:<session id hash>` or `a:<account id>` (see forgetSessions). */
const SESSIONS_CHANNEL = 'yiwang_sessions';

/** A copy of a cached actor that the request may change freely. */
function copyActor(a: Actor): Actor {
  return {
    ...a,
    roles: [...a.roles],
    amr: [...a.amr],
    scopes: [...a.scopes],
    actingAs: a.actingAs && { ...a.actingAs },
    actingFor: a.actingFor && { ...a.actingFor },
  };
}

interface CachedSession {
  actor: Actor;
  session: SessionInfo;
  /** Reused until then (SESSION_CACHE_MS). */
  until: number;
  /** The session's absolute end, and when it was last seen (last_seen_at), both on this process's clock. */
  expiresAt: number;
  lastSeen: number;
}

export class IdentityService {
  constructor(
    private readonly db: Db,
    private readonly cfg: Config,
    private readonly crypto: FieldCrypto,
    private readonly org: OrgService,
    private readonly oidc: OidcClient,
  ) {}

  /** Verified bearer tokens by token hash: the machine client's actor, until when it may be reused, and the token's expiry. */
  private readonly bearerCache = new Map<string, { actor: Actor; until: number; expiresAt: number }>();
  /** Signed-in sessions by session id hash (SESSION_CACHE_MS). */
  private readonly sessionCache = new Map<string, CachedSession>();
  /** Bumped by every forgetSessions: a read that began before it does not fill the cache. */
  private sessionGeneration = 0;

  // ---- authentication of requests -------------------------------------------------------

  /** The actor behind a session cookie, or why there is none. */
  async actorFromSession(token: string): Promise<{ actor: Actor; session: SessionInfo } | 'expired' | 'invalid'> {
    const idHash = sha256(token);
    const now = Date.now();
    const idleMs = this.cfg.SESSION_IDLE_MINUTES * 60_000;
    const hit = this.sessionCache.get(idHash);
    if (hit) {
      if (now < hit.until && now < hit.expiresAt && now - hit.lastSeen <= idleMs) return { actor: copyActor(hit.actor), session: { ...hit.session } };
      this.sessionCache.delete(idHash);
    }
    const generation = this.sessionGeneration;
    const s = await sessionsRepo.loadWithAccount(this.db, idHash);
    if (!s) return 'invalid';
    if (s.revoked_at || !s.within_max || s.idle_seconds > this.cfg.SESSION_IDLE_MINUTES * 60) return 'expired';
    if (!s.a_id || s.a_status !== 'active') return 'invalid';
    const account = { id: s.a_id, kind: s.a_kind!, display_name: s.a_display_name!, department_id: s.a_department_id, region_code: s.a_region_code, roles: s.a_roles };
    let lastSeen = now - s.idle_seconds * 1000;
    if (s.idle_seconds > TOUCH_SECONDS) {
      await sessionsRepo.touch(this.db, idHash);
      lastSeen = now;
    }
    const actor = await this.buildActor(this.db, account, s.amr, {
      actingAsId: s.acting_as_id,
      actingAsRole: s.acting_as_role as 'legal_rep' | 'staff' | null,
      actingForId: s.acting_for_id,
      mandateId: s.mandate_id,
    });
    if (!actor) return 'expired'; // membership or mandate ended since sign-in
    const session = { idHash, csrfToken: s.csrf_token };
    if (generation === this.sessionGeneration) {
      if (this.sessionCache.size >= SESSION_CACHE_SIZE) this.sessionCache.delete(this.sessionCache.keys().next().value!);
      this.sessionCache.set(idHash, { actor: copyActor(actor), session: { ...session }, until: now + SESSION_CACHE_MS, expiresAt: now + s.expires_in_seconds * 1000, lastSeen });
    }
    return { actor, session };
  }

  /**
   * Follows other processes' session changes: their NOTIFY (sent at commit) drops this process's
   * copies; a reconnection of the LISTEN connection drops them all (messages may have been missed).
   */
  async followSessions(listen: DatabaseHandle['listen']): Promise<void> {
    await listen(SESSIONS_CHANNEL, (what) => this.forgetSessions(what), { onReconnect: () => this.forgetSessions('*') });
  }

  /** Drops cached sessions: `s:<id hash>` one session, `a:<account id>` every session of, acting as or for the account, `*` all. */
  private forgetSessions(what: string): void {
    this.sessionGeneration++;
    if (what.startsWith('s:')) this.sessionCache.delete(what.slice(2));
    else if (what.startsWith('a:')) {
      const id = what.slice(2);
      for (const [k, c] of this.sessionCache) if (c.actor.accountId === id || c.actor.actingAs?.id === id || c.actor.actingFor?.id === id) this.sessionCache.delete(k);
    } else this.sessionCache.clear();
  }

  /**
   * A change to sessions inside `trx`: dropped here at once and, when `trx` commits, in every
   * process (NOTIFY). Callers call `forgetSessions` again after the commit, so that a request of
   * this process that read the session meanwhile does not keep the old state.
   */
  private async sessionsChanged(trx: Db, what: string): Promise<void> {
    this.forgetSessions(what);
    await notifyAtCommit(trx, SESSIONS_CHANNEL, what);
  }

  /** `db` is the connection to read with: inside a transaction, the transaction itself (PGlite has a single connection). */
  private async buildActor(
    db: Db,
    account: Pick<AccountsTable, 'id' | 'kind' | 'display_name' | 'department_id' | 'region_code'> & { roles?: string[] },
    amr: string[],
    acting: { actingAsId: string | null; actingAsRole: 'legal_rep' | 'staff' | null; actingForId: string | null; mandateId: string | null },
  ): Promise<Actor | null> {
    const base: Actor = {
      accountId: account.id,
      kind: account.kind as Actor['kind'],
      displayName: account.display_name,
      roles: [],
      departmentId: account.department_id,
      regionCode: account.region_code,
      actingAs: null,
      actingFor: null,
      amr,
      scopes: [],
    };
    if (account.kind !== 'citizen') {
      base.roles = (account.roles ?? (await accountsRepo.roles(db, account.id))) as Role[];
      return base;
    }
    if (acting.actingAsId) {
      const ent = (await membersRepo.enterprisesOf(db, account.id)).find((e) => e.id === acting.actingAsId);
      if (!ent) return null;
      const entAccount = await accountsRepo.byId(db, ent.id);
      base.actingAs = { id: ent.id, displayName: ent.display_name, role: ent.role };
      base.roles = ['enterprise'];
      base.regionCode = entAccount?.region_code ?? null;
      return base;
    }
    if (acting.actingForId && acting.mandateId) {
      const m = (await mandatesRepo.activeForAgent(db, account.id)).find((x) => x.id === acting.mandateId);
      if (!m || m.principal_id !== acting.actingForId) return null;
      base.actingFor = { id: m.principal_id, displayName: m.display_name, mandateId: m.id };
      base.roles = ['agent'];
      return base;
    }
    base.roles = ['citizen'];
    return base;
  }

  /**
   * The actor behind a bearer token (machine clients of other government systems). A verified
   * token is reused for BEARER_CACHE_MS without reading the database (machine clients call in
   * bursts; one read per call would dominate a fast API); expiry is checked on every call.
   */
  async actorFromBearer(token: string): Promise<Actor | 'expired' | 'invalid'> {
    // Our tokens are 43 base64url characters: a self-contained token (a JWT such as the exchange's
    // own access tokens, verified by its module) or garbage is no business of the database.
    if (!BEARER_SHAPE.test(token)) return 'invalid';
    const hash = sha256(token);
    const now = Date.now();
    const hit = this.bearerCache.get(hash);
    if (hit && now < hit.until) {
      if (now >= hit.expiresAt) return 'expired';
      return copyActor(hit.actor);
    }
    if (hit) this.bearerCache.delete(hash);
    const row = await clientsRepo.loadToken(this.db, hash);
    if (!row || row.status !== 'active') return 'invalid';
    if (!row.live) return 'expired';
    const actor: Actor = {
      accountId: row.client_id,
      kind: 'machine',
      displayName: row.name,
      roles: ['machine'],
      departmentId: row.department_id,
      regionCode: row.region_code,
      actingAs: null,
      actingFor: null,
      amr: ['client_secret'],
      scopes: row.scopes,
    };
    if (this.bearerCache.size >= BEARER_CACHE_SIZE) this.bearerCache.delete(this.bearerCache.keys().next().value!);
    this.bearerCache.set(hash, { actor, until: now + BEARER_CACHE_MS, expiresAt: new Date(row.expires_at).getTime() });
    return copyActor(actor);
  }

  /** Forgets verified bearer tokens (after disabling a client or deleting tokens in this process). */
  forgetBearerTokens(): void {
    this.bearerCache.clear();
  }

  // ---- sessions ---------------------------------------------------------------------------

  private async openSession(
    trx: Db,
    accountId: string,
    amr: string[],
    meta: ClientMeta,
    actingAs?: { id: string; role: 'legal_rep' | 'staff' },
  ): Promise<{ token: string; session: SessionInfo }> {
    const token = randomToken(32);
    const session = { idHash: sha256(token), csrfToken: randomToken(24) };
    await sessionsRepo.insert(trx, {
      id_hash: session.idHash,
      account_id: accountId,
      csrf_token: session.csrfToken,
      amr: JSON.stringify(amr),
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      expires_at: new Date(Date.now() + this.cfg.SESSION_MAX_HOURS * 3600_000),
      acting_as_id: actingAs?.id ?? null,
      acting_as_role: actingAs?.role ?? null,
    });
    return { token, session };
  }

  async logout(ctx: RequestContext, session: SessionInfo): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sessionsRepo.revoke(trx, session.idHash);
      await this.sessionsChanged(trx, `s:${session.idHash}`);
      await recordAudit(trx, ctx, { action: 'identity.session.end', entityType: 'account', entityId: ctx.actor?.accountId });
    });
    this.forgetSessions(`s:${session.idHash}`);
  }

  /** The signed-in user's view of themselves (what /api/auth/me returns). */
  async me(actor: Actor, session: SessionInfo | null) {
    const account = actor.kind === 'machine' ? undefined : await accountsRepo.byId(this.db, actor.accountId);
    const dept = actor.departmentId ? await this.org.department(actor.departmentId) : undefined;
    const isPerson = account?.kind === 'citizen';
    const enterprises = isPerson ? await membersRepo.enterprisesOf(this.db, actor.accountId) : [];
    const principals = isPerson ? await mandatesRepo.activeForAgent(this.db, actor.accountId) : [];
    return {
      account: {
        id: actor.accountId,
        kind: account?.kind ?? actor.kind,
        displayName: actor.displayName,
        roles: actor.roles,
        department: dept ? { id: dept.id, name: dept.name, nameEn: dept.nameEn } : null,
        regionCode: actor.regionCode,
        totpEnabled: account?.totp_enabled ?? false,
        idNumberMasked: account?.id_number_enc ? maskResidentId(this.crypto.decrypt(account.id_number_enc)) : null,
      },
      actingAs: actor.actingAs,
      actingFor: actor.actingFor,
      csrfToken: session?.csrfToken ?? null,
      options: {
        enterprises: enterprises.map((e) => ({ id: e.id, displayName: e.display_name, role: e.role })),
        principals: principals.map((p) => ({ id: p.principal_id, displayName: p.display_name, mandateId: p.id })),
      },
    };
  }

  // ---- staff sign-in ----------------------------------------------------------------------

  async staffLogin(ctx: RequestContext, input: { username: string; password: string; totp?: string }, meta: ClientMeta) {
    const account = await accountsRepo.byUsername(this.db, input.username);
    const usable = account && account.kind !== 'citizen' && account.kind !== 'enterprise' ? account : undefined;
    if (usable?.locked_until && usable.locked_until > new Date()) {
      await this.auditFailure(ctx, 'identity.login.staff', usable.id, { reason: 'locked' });
      throw identityErrors.locked(usable.locked_until);
    }
    const passwordOk = await verifyPassword(usable?.password_hash, input.password);
    if (!usable || !passwordOk) {
      if (usable) await this.countFailure(ctx, usable.id, 'password');
      else await this.auditFailure(ctx, 'identity.login.staff', null, { reason: 'unknown_user', username: input.username.slice(0, 64) });
      throw identityErrors.invalidCredentials();
    }
    if (usable.status !== 'active') {
      await this.auditFailure(ctx, 'identity.login.staff', usable.id, { reason: 'disabled' });
      throw identityErrors.disabled();
    }
    const amr = ['pwd'];
    if (usable.totp_enabled && usable.totp_secret_enc) {
      if (!input.totp) throw identityErrors.totpRequired();
      if (!verifyTotp(this.crypto.decrypt(usable.totp_secret_enc), input.totp)) {
        await this.countFailure(ctx, usable.id, 'totp');
        throw identityErrors.totpInvalid();
      }
      amr.push('otp');
    }
    return this.db.transaction().execute(async (trx) => {
      await accountsRepo.recordSuccess(trx, usable.id);
      const opened = await this.openSession(trx, usable.id, amr, meta);
      const actor = (await this.buildActor(trx, usable, amr, { actingAsId: null, actingAsRole: null, actingForId: null, mandateId: null }))!;
      ctx.actor = actor;
      await recordAudit(trx, ctx, { action: 'identity.login.staff', entityType: 'account', entityId: usable.id, detail: { amr } });
      return opened;
    });
  }

  /** A failed sign-in: count it, lock the account at the limit, and audit it (committed even though the request fails). */
  private async countFailure(ctx: RequestContext, accountId: string, reason: string) {
    await this.db.transaction().execute(async (trx) => {
      const r = await accountsRepo.recordFailure(trx, accountId, this.cfg.LOGIN_MAX_FAILURES, this.cfg.LOGIN_LOCK_MINUTES);
      await recordAudit(trx, { ...ctx }, {
        action: 'identity.login.staff',
        outcome: 'failure',
        entityType: 'account',
        entityId: accountId,
        detail: { reason, failures: r.failed_logins, locked: !!r.locked_until && r.locked_until > new Date() },
      });
    });
  }

  private async auditFailure(ctx: RequestContext, action: string, entityId: string | null, detail: Record<string, unknown>) {
    await recordAudit(this.db, { ...ctx }, { action, outcome: 'failure', entityType: 'account', entityId, detail });
  }

  // ---- TOTP enrolment ---------------------------------------------------------------------

  async totpSetup(ctx: RequestContext) {
    const actor = ctx.actor!;
    const secret = newTotpSecret();
    const account = (await accountsRepo.byId(this.db, actor.accountId))!;
    await this.db.transaction().execute(async (trx) => {
      await accountsRepo.update(trx, actor.accountId, { totp_secret_enc: this.crypto.encrypt(secret), totp_enabled: false });
      await recordAudit(trx, ctx, { action: 'identity.totp.setup', entityType: 'account', entityId: actor.accountId });
    });
    return { secret, otpauthUri: otpauthUri(secret, account.username ?? account.id) };
  }

  async totpEnable(ctx: RequestContext, code: string) {
    const actor = ctx.actor!;
    const account = (await accountsRepo.byId(this.db, actor.accountId))!;
    if (!account.totp_secret_enc || !verifyTotp(this.crypto.decrypt(account.totp_secret_enc), code)) throw identityErrors.totpCodeWrong();
    await this.db.transaction().execute(async (trx) => {
      await accountsRepo.update(trx, actor.accountId, { totp_enabled: true });
      await recordAudit(trx, ctx, { action: 'identity.totp.enable', entityType: 'account', entityId: actor.accountId });
    });
  }

  // ---- citizens and enterprises: OpenID Connect -------------------------------------------

  async oidcStart(loginType: 'person' | 'enterprise', returnTo: string): Promise<string> {
    const start = await this.oidc.start({ login_type: loginType });
    await oidcRepo.insertLogin(this.db, {
      state: start.state,
      nonce: start.nonce,
      code_verifier: start.codeVerifier,
      login_type: loginType,
      return_to: returnTo,
    });
    return start.url;
  }

  async oidcCallback(ctx: RequestContext, input: { code: string; state: string }, meta: ClientMeta) {
    const pending = await oidcRepo.takeLogin(this.db, input.state);
    if (!pending) throw identityErrors.oidcState();
    let claims;
    try {
      claims = await this.oidc.finish(input.code, pending.code_verifier, pending.nonce);
    } catch (e) {
      await this.auditFailure(ctx, 'identity.login.oidc', null, { reason: (e as Error).message });
      throw identityErrors.oidcFailed((e as Error).message);
    }
    const idNumber = String(claims.id_number ?? '');
    const id = validateResidentId(idNumber);
    if (!id.ok) throw identityErrors.oidcFailed('id_number claim missing or invalid');
    const name = String(claims.name ?? '');
    const mobile = typeof claims.phone_number === 'string' ? claims.phone_number : null;
    return this.db.transaction().execute(async (trx) => {
      const person = await this.upsertPerson(trx, { idNumber, name, mobile, subject: String(claims.sub), regionCode: id.regionCode });
      let actingAs: { id: string; role: 'legal_rep' | 'staff' } | undefined;
      if (pending.login_type === 'enterprise') {
        const uscc = String(claims.uscc ?? '');
        const role = claims.operator_role === 'legal_rep' ? 'legal_rep' : 'staff';
        const ent = await this.upsertEnterprise(trx, { uscc, name: String(claims.enterprise_name ?? uscc) });
        // The provider vouches for the legal representative; staff must already be authorised here.
        if (role === 'legal_rep') await membersRepo.upsert(trx, { enterprise_id: ent.id, person_id: person.id, role, granted_by: null, valid_until: null });
        const member = (await membersRepo.enterprisesOf(trx, person.id)).find((e) => e.id === ent.id);
        if (!member) throw identityErrors.notMember();
        actingAs = { id: ent.id, role: member.role };
      }
      const amr = ['oidc'];
      const opened = await this.openSession(trx, person.id, amr, meta, actingAs);
      ctx.actor = await this.buildActor(trx, person, amr, {
        actingAsId: actingAs?.id ?? null,
        actingAsRole: actingAs?.role ?? null,
        actingForId: null,
        mandateId: null,
      });
      await recordAudit(trx, ctx, {
        action: 'identity.login.oidc',
        entityType: 'account',
        entityId: person.id,
        detail: { loginType: pending.login_type, ...(actingAs ? { enterpriseId: actingAs.id, role: actingAs.role } : {}) },
      });
      return { ...opened, returnTo: pending.return_to };
    });
  }

  /** Finds or creates the account of a natural person known by their resident ID number. */
  async upsertPerson(trx: Db, p: { idNumber: string; name: string; mobile: string | null; subject?: string; regionCode: string }) {
    const hash = this.crypto.lookupHash(p.idNumber);
    const existing = await accountsRepo.byIdNumberHash(trx, hash);
    if (existing) {
      // A new name shows in the person's signed-in sessions (their actor).
      if (existing.display_name !== p.name) await this.sessionsChanged(trx, `a:${existing.id}`);
      await accountsRepo.update(trx, existing.id, {
        display_name: p.name,
        ...(p.mobile ? { mobile_enc: this.crypto.encrypt(p.mobile) } : {}),
        ...(p.subject ? { oidc_subject: p.subject } : {}),
        last_login_at: new Date(),
      });
      return { ...existing, display_name: p.name };
    }
    const row = {
      id: randomUUID(),
      kind: 'citizen' as const,
      display_name: p.name,
      oidc_subject: p.subject ?? null,
      id_number_hash: hash,
      id_number_enc: this.crypto.encrypt(p.idNumber),
      mobile_enc: p.mobile ? this.crypto.encrypt(p.mobile) : null,
      region_code: p.regionCode,
    };
    await accountsRepo.insert(trx, row);
    return (await accountsRepo.byId(trx, row.id))!;
  }

  /** Finds or creates the account of a legal person known by its unified social credit code. */
  async upsertEnterprise(trx: Db, e: { uscc: string; name: string; registry?: EnterpriseRegistry }) {
    const existing = await accountsRepo.byUscc(trx, e.uscc);
    const registry = e.registry ? { industry: e.registry.industry, registered_on: e.registry.registeredOn, cancelled_on: e.registry.cancelledOn ?? null } : {};
    if (existing) {
      const same = !e.registry || (existing.industry === registry.industry && String(existing.registered_on ?? '') === String(registry.registered_on ?? '') && String(existing.cancelled_on ?? '') === String(registry.cancelled_on ?? ''));
      if (existing.display_name !== e.name || !same) {
        await accountsRepo.update(trx, existing.id, { display_name: e.name, ...registry });
        await this.sessionsChanged(trx, `a:${existing.id}`);
      }
      return existing;
    }
    const row = { id: randomUUID(), kind: 'enterprise' as const, display_name: e.name, uscc: e.uscc, region_code: e.uscc.slice(2, 8), ...registry };
    await accountsRepo.insert(trx, row);
    return (await accountsRepo.byId(trx, row.id))!;
  }

  /** How to reach an account (for notifications): the mobile decrypted, so callers mask it wherever it is shown or logged. */
  async contactOf(accountId: string): Promise<Contact | undefined> {
    const a = await accountsRepo.byId(this.db, accountId);
    return a && this.contact(a);
  }

  /** `contactOf` for several accounts in one read (a notification delivery batch); unknown ids are left out. */
  async contactsOf(accountIds: string[]): Promise<Map<string, Contact>> {
    const rows = accountIds.length ? await accountsRepo.byIds(this.db, accountIds) : [];
    return new Map(rows.map((a) => [a.id, this.contact(a)]));
  }

  private contact(a: { id: string; kind: Contact['kind']; display_name: string; mobile_enc: string | null; email: string | null }): Contact {
    return { accountId: a.id, kind: a.kind, displayName: a.display_name, mobile: a.mobile_enc ? this.crypto.decrypt(a.mobile_enc) : null, email: a.email };
  }

  /** Registers platform accounts for people and enterprises known to the identity provider (demo load, migrations from another system). */
  async seedPeopleAndEnterprises(
    ctx: RequestContext,
    people: { idNumber: string; name: string; mobile: string }[],
    enterprises: { uscc: string; name: string; legalRep: { idNumber: string }; staff: { idNumber: string }[]; registry?: EnterpriseRegistry }[],
  ) {
    await this.db.transaction().execute(async (trx) => {
      const ids = new Map<string, string>();
      for (const p of people) {
        const v = validateResidentId(p.idNumber);
        if (!v.ok) throw errors.invalid('ID_NUMBER_INVALID', 'idNumber', '身份证号码无效', 'Invalid resident ID number');
        ids.set(p.idNumber, (await this.upsertPerson(trx, { idNumber: p.idNumber, name: p.name, mobile: p.mobile, regionCode: v.regionCode })).id);
      }
      for (const e of enterprises) {
        const ent = await this.upsertEnterprise(trx, e);
        const rep = ids.get(e.legalRep.idNumber);
        if (rep) await membersRepo.upsert(trx, { enterprise_id: ent.id, person_id: rep, role: 'legal_rep', granted_by: null, valid_until: null });
        for (const st of e.staff) {
          const pid = ids.get(st.idNumber);
          if (pid) await membersRepo.upsert(trx, { enterprise_id: ent.id, person_id: pid, role: 'staff', granted_by: rep ?? null, valid_until: null });
        }
      }
      await recordAudit(trx, ctx, { action: 'identity.accounts.import', entityType: 'account', detail: { people: people.length, enterprises: enterprises.length } });
    });
  }

  /** A context in which an account (a staff user name, or a person's ID number) acts for itself: for the demo loader and tests. */
  async accountContext(by: { username: string } | { idNumber: string }, base: RequestContext): Promise<RequestContext> {
    const account =
      'username' in by ? await accountsRepo.byUsername(this.db, by.username) : await accountsRepo.byIdNumberHash(this.db, this.crypto.lookupHash(by.idNumber));
    if (!account) throw identityErrors.personNotFound('idNumber');
    const actor = await this.buildActor(this.db, account, [], { actingAsId: null, actingAsRole: null, actingForId: null, mandateId: null });
    return { ...base, actor, audited: false };
  }

  async mandatesOfPerson(idNumber: string) {
    const account = await accountsRepo.byIdNumberHash(this.db, this.crypto.lookupHash(idNumber));
    return account ? mandatesRepo.involving(this.db, account.id) : [];
  }

  // ---- acting as an enterprise or for a principal ---------------------------------------

  async act(ctx: RequestContext, session: SessionInfo, input: { as: 'self' | 'enterprise' | 'principal'; id?: string }) {
    const actor = ctx.actor!;
    const account = (await accountsRepo.byId(this.db, actor.accountId))!;
    if (account.kind !== 'citizen') throw errors.forbidden('只有个人用户可以切换办事身份', 'Only persons can switch whom they act for');
    let next = { acting_as_id: null as string | null, acting_as_role: null as string | null, acting_for_id: null as string | null, mandate_id: null as string | null };
    if (input.as === 'enterprise') {
      const ent = (await membersRepo.enterprisesOf(this.db, actor.accountId)).find((e) => e.id === input.id);
      if (!ent) throw identityErrors.notMember();
      next = { ...next, acting_as_id: ent.id, acting_as_role: ent.role };
    } else if (input.as === 'principal') {
      const m = (await mandatesRepo.activeForAgent(this.db, actor.accountId)).find((x) => x.principal_id === input.id);
      if (!m) throw identityErrors.noMandate();
      next = { ...next, acting_for_id: m.principal_id, mandate_id: m.id };
    }
    await this.db.transaction().execute(async (trx) => {
      await sessionsRepo.setActing(trx, session.idHash, next);
      await this.sessionsChanged(trx, `s:${session.idHash}`);
      await recordAudit(trx, ctx, { action: 'identity.session.act', entityType: 'account', entityId: actor.accountId, detail: { as: input.as, id: input.id ?? null } });
    });
    this.forgetSessions(`s:${session.idHash}`);
    const updated = await this.buildActor(this.db, account, actor.amr, {
      actingAsId: next.acting_as_id,
      actingAsRole: next.acting_as_role as 'legal_rep' | 'staff' | null,
      actingForId: next.acting_for_id,
      mandateId: next.mandate_id,
    });
    return this.me(updated!, session);
  }

  // ---- mandates (代办) ---------------------------------------------------------------------

  /** A person (the principal) authorises another person as their agent. */
  async createMandate(ctx: RequestContext, input: { agentIdNumber: string; agentName?: string; scope: string[]; reason: string; validUntil: string }) {
    const actor = ctx.actor!;
    if (!validateResidentId(input.agentIdNumber).ok)
      throw errors.invalid('ID_NUMBER_INVALID', 'body/agentIdNumber', '身份证号码无效（GB 11643 校验不通过）', 'Invalid resident ID number (GB 11643)');
    const agent = await accountsRepo.byIdNumberHash(this.db, this.crypto.lookupHash(input.agentIdNumber));
    if (!agent || agent.kind !== 'citizen') throw identityErrors.personNotFound('body/agentIdNumber');
    if (agent.id === actor.accountId) throw identityErrors.mandateSelf();
    // Name and number together, as on the ID card: a mistyped number must not authorise a stranger.
    if (input.agentName !== undefined && input.agentName.trim() !== agent.display_name) throw identityErrors.agentNameMismatch();
    const validUntil = new Date(input.validUntil);
    if (!(validUntil.getTime() > Date.now()))
      throw errors.invalid('MANDATE_PERIOD_INVALID', 'body/validUntil', '授权截止时间必须晚于当前时间', 'The mandate must end in the future');
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await mandatesRepo.insert(trx, {
        id,
        agent_id: agent.id,
        principal_id: actor.accountId,
        scope: JSON.stringify(input.scope),
        reason: input.reason,
        valid_from: new Date(),
        valid_until: validUntil,
        created_by: actor.accountId,
      });
      await recordAudit(trx, ctx, { action: 'identity.mandate.create', entityType: 'mandate', entityId: id, detail: { agentId: agent.id, scope: input.scope } });
    });
    return (await this.mandates(ctx)).find((m) => m.id === id)!;
  }

  async mandates(ctx: RequestContext) {
    const rows = await mandatesRepo.involving(this.db, ctx.actor!.accountId);
    return rows.map((m) => ({
      id: m.id,
      agent: { id: m.agent_id, displayName: m.agent_name },
      principal: { id: m.principal_id, displayName: m.principal_name },
      scope: m.scope,
      reason: m.reason,
      validFrom: m.valid_from.toISOString(),
      validUntil: m.valid_until.toISOString(),
      revokedAt: m.revoked_at?.toISOString() ?? null,
    }));
  }

  /** The principal (or the agent) ends a mandate. */
  async revokeMandate(ctx: RequestContext, id: string) {
    const m = await mandatesRepo.byId(this.db, id);
    const me = ctx.actor!.accountId;
    if (!m || (m.principal_id !== me && m.agent_id !== me)) throw errors.notFound('Mandate', '授权');
    await this.db.transaction().execute(async (trx) => {
      await mandatesRepo.revoke(trx, id);
      await this.sessionsChanged(trx, `a:${m.agent_id}`);
      await recordAudit(trx, ctx, { action: 'identity.mandate.revoke', entityType: 'mandate', entityId: id });
    });
    this.forgetSessions(`a:${m.agent_id}`);
  }

  // ---- enterprise staff (经办人) -------------------------------------------------------------

  private requireLegalRep(ctx: RequestContext): string {
    const a = ctx.actor!;
    if (a.actingAs?.role !== 'legal_rep') throw errors.forbidden('只有法定代表人可以管理经办人', 'Only the legal representative manages authorised staff');
    return a.actingAs.id;
  }

  async enterpriseStaff(ctx: RequestContext) {
    const entId = ctx.actor!.actingAs!.id;
    return (await membersRepo.staffOf(this.db, entId)).map((s) => ({
      personId: s.id,
      displayName: s.display_name,
      role: s.role,
      validUntil: s.valid_until?.toISOString() ?? null,
      revokedAt: s.revoked_at?.toISOString() ?? null,
    }));
  }

  async addEnterpriseStaff(ctx: RequestContext, input: { idNumber: string; validUntil?: string }) {
    const entId = this.requireLegalRep(ctx);
    if (!validateResidentId(input.idNumber).ok)
      throw errors.invalid('ID_NUMBER_INVALID', 'body/idNumber', '身份证号码无效（GB 11643 校验不通过）', 'Invalid resident ID number (GB 11643)');
    const person = await accountsRepo.byIdNumberHash(this.db, this.crypto.lookupHash(input.idNumber));
    if (!person || person.kind !== 'citizen') throw identityErrors.personNotFound('body/idNumber');
    await this.db.transaction().execute(async (trx) => {
      await membersRepo.upsert(trx, {
        enterprise_id: entId,
        person_id: person.id,
        role: 'staff',
        granted_by: ctx.actor!.accountId,
        valid_until: input.validUntil ? new Date(input.validUntil) : null,
      });
      await recordAudit(trx, ctx, { action: 'identity.enterprise.staff.add', entityType: 'account', entityId: entId, detail: { personId: person.id } });
    });
    return this.enterpriseStaff(ctx);
  }

  async removeEnterpriseStaff(ctx: RequestContext, personId: string) {
    const entId = this.requireLegalRep(ctx);
    await this.db.transaction().execute(async (trx) => {
      const r = await membersRepo.revoke(trx, entId, personId);
      if (!r.numUpdatedRows) throw errors.notFound('Authorised staff member', '经办人');
      await this.sessionsChanged(trx, `a:${personId}`);
      await recordAudit(trx, ctx, { action: 'identity.enterprise.staff.remove', entityType: 'account', entityId: entId, detail: { personId } });
    });
    this.forgetSessions(`a:${personId}`);
  }

  // ---- staff accounts (administration) ---------------------------------------------------

  /** Which staff a department admin, supervisor or platform admin may see and manage. */
  private staffScope(actor: Actor): { departmentId?: string; regionPrefix?: string } {
    if (actor.roles.includes('platform_admin')) return {};
    if (actor.roles.includes('dept_admin')) return { departmentId: actor.departmentId ?? '-' };
    throw errors.forbidden();
  }

  async listStaff(ctx: RequestContext) {
    const rows = await accountsRepo.listStaff(this.db, this.staffScope(ctx.actor!));
    const roles = await accountsRepo.rolesOf(this.db, rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      username: r.username!,
      displayName: r.display_name,
      roles: roles.get(r.id) ?? [],
      departmentId: r.department_id,
      departmentName: r.department_name,
      regionCode: r.region_code,
      status: r.status,
      totpEnabled: r.totp_enabled,
      lastLoginAt: r.last_login_at?.toISOString() ?? null,
      lockedUntil: r.locked_until && r.locked_until > new Date() ? r.locked_until.toISOString() : null,
    }));
  }

  async createStaff(
    ctx: RequestContext,
    input: { username: string; displayName: string; password: string; kind: keyof typeof STAFF_ROLES; roles: Role[]; departmentId?: string; regionCode?: string },
  ) {
    const actor = ctx.actor!;
    const scope = this.staffScope(actor);
    // A department admin creates officers of their own department only.
    if (scope.departmentId && (input.kind !== 'officer' || input.departmentId !== scope.departmentId)) throw errors.forbidden();
    const allowed = STAFF_ROLES[input.kind];
    if (!input.roles.length || input.roles.some((r) => !allowed.includes(r))) throw identityErrors.badRoles();
    const problem = passwordProblem(input.password);
    if (problem) throw identityErrors.weakPassword(problem);
    let regionCode = input.regionCode ?? null;
    if (input.departmentId) {
      const dept = await this.org.department(input.departmentId);
      if (!dept) throw identityErrors.unknownDepartment();
      regionCode ??= dept.regionCode;
      if (!isInSubtree(regionCode, dept.regionCode)) regionCode = dept.regionCode;
    } else if (input.kind === 'officer' || input.kind === 'data_admin') {
      throw identityErrors.unknownDepartment();
    }
    if (regionCode) this.org.assertNodeRegion(regionCode, 'body/regionCode');
    else regionCode = this.org.nodeRegion;
    const passwordHash = await hashPassword(input.password);
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      if (await accountsRepo.byUsername(trx, input.username)) throw identityErrors.usernameTaken();
      await accountsRepo.insert(trx, {
        id,
        kind: input.kind as AccountKind,
        display_name: input.displayName,
        username: input.username,
        password_hash: passwordHash,
        department_id: input.departmentId ?? null,
        region_code: regionCode,
      });
      await accountsRepo.setRoles(trx, id, input.roles);
      await recordAudit(trx, ctx, { action: 'identity.staff.create', entityType: 'account', entityId: id, detail: { username: input.username, roles: input.roles } });
    });
    return (await this.listStaff(ctx)).find((s) => s.id === id)!;
  }

  async updateStaff(ctx: RequestContext, id: string, input: { status?: 'active' | 'disabled'; roles?: Role[]; unlock?: boolean; reason?: string }) {
    const scope = this.staffScope(ctx.actor!);
    const target = await accountsRepo.byId(this.db, id);
    if (!target || target.kind === 'citizen' || target.kind === 'enterprise' || (scope.departmentId && target.department_id !== scope.departmentId))
      throw errors.notFound('Staff account', '工作人员账户');
    if (input.roles) {
      const allowed = STAFF_ROLES[target.kind as keyof typeof STAFF_ROLES];
      if (!input.roles.length || input.roles.some((r) => !allowed.includes(r))) throw identityErrors.badRoles();
    }
    // Taking an account out of service or changing what it may do is justified in the audit log.
    if ((input.status === 'disabled' || input.roles) && !input.reason?.trim()) throw identityErrors.reasonRequired();
    if (id === ctx.actor!.accountId && (input.status === 'disabled' || input.roles))
      throw errors.invalid('STAFF_SELF_CHANGE', 'params/id', '不能停用自己的账户或修改自己的角色', 'You cannot disable your own account or change your own roles');
    await this.db.transaction().execute(async (trx) => {
      if (input.status) await accountsRepo.update(trx, id, { status: input.status });
      if (input.unlock) await accountsRepo.update(trx, id, { failed_logins: 0, locked_until: null });
      if (input.roles) await accountsRepo.setRoles(trx, id, input.roles);
      await this.sessionsChanged(trx, `a:${id}`);
      await recordAudit(trx, ctx, { action: 'identity.staff.update', entityType: 'account', entityId: id, detail: input });
    });
    this.forgetSessions(`a:${id}`);
    return (await this.listStaff(ctx)).find((s) => s.id === id)!;
  }

  // ---- machine clients ----------------------------------------------------------------------

  /** `secret` is for the demo seed only; clients registered through the API always get a random one. */
  async createClient(ctx: RequestContext, input: { clientId: string; name: string; departmentId: string; scopes: string[] }, secret = randomToken(32)) {
    const actor = ctx.actor!;
    if (!actor.roles.includes('platform_admin') && actor.departmentId !== input.departmentId) throw errors.forbidden();
    if (!(await this.org.department(input.departmentId))) throw identityErrors.unknownDepartment();
    const id = randomUUID();
    const secretHash = await hashPassword(secret);
    await this.db.transaction().execute(async (trx) => {
      if (await clientsRepo.byClientId(trx, input.clientId))
        throw errors.conflict('CLIENT_ID_TAKEN', '客户端标识已存在', 'The client id is taken', 'body/clientId');
      await clientsRepo.insert(trx, {
        id,
        client_id: input.clientId,
        name: input.name,
        department_id: input.departmentId,
        secret_hash: secretHash,
        scopes: JSON.stringify(input.scopes),
        created_by: actor.accountId,
      });
      await recordAudit(trx, ctx, { action: 'identity.client.create', entityType: 'api_client', entityId: id, detail: { clientId: input.clientId } });
    });
    return { id, clientId: input.clientId, clientSecret: secret };
  }

  /**
   * A machine client by its uuid (`id`) or textual client id, for other modules (the exchange):
   * who it is, its department and region, status and scopes. Read through `db` (a transaction) when given.
   */
  async machineClient(by: { id: string } | { clientId: string }, db: Db = this.db): Promise<MachineClient | undefined> {
    const r = 'id' in by ? await clientsRepo.withRegion(db, 'id', by.id) : await clientsRepo.withRegion(db, 'client_id', by.clientId);
    return r ? { id: r.id, clientId: r.client_id, name: r.name, departmentId: r.department_id, regionCode: r.region_code, status: r.status as MachineClient['status'], scopes: r.scopes } : undefined;
  }

  /** Whom an account's data is about, for other modules: its kind, name, ID number (unsealed) or credit code. */
  async dataSubject(accountId: string, db: Db = this.db): Promise<DataSubject | undefined> {
    return this.subjectOf(await accountsRepo.byId(db, accountId));
  }

  /** The account of a person by resident ID number, or of an enterprise by credit code (for other modules). */
  async findDataSubject(by: { idNumber: string } | { uscc: string }, db: Db = this.db): Promise<DataSubject | undefined> {
    if ('idNumber' in by) return this.subjectOf(await accountsRepo.byIdNumberHash(db, this.crypto.lookupHash(by.idNumber.toUpperCase())));
    const a = await accountsRepo.byUscc(db, by.uscc.toUpperCase());
    return a?.kind === 'enterprise' ? this.subjectOf(a) : undefined;
  }

  private subjectOf(a: { id: string; kind: AccountKind; display_name: string; id_number_enc: string | null; uscc: string | null } | undefined): DataSubject | undefined {
    if (!a) return undefined;
    return { id: a.id, kind: a.kind, displayName: a.display_name, idNumber: a.id_number_enc ? this.crypto.decrypt(a.id_number_enc) : null, uscc: a.uscc ?? null };
  }

  /**
   * Disables (or re-enables) a machine client: a platform administrator's act, with a reason,
   * audited. Its bearer tokens are refused at once in this process (forgetBearerTokens) and within
   * BEARER_CACHE_MS in others; other modules' cached client status (the exchange's) within theirs.
   */
  async setClientStatus(ctx: RequestContext, id: string, input: { status: 'active' | 'disabled'; reason: string }) {
    await this.db.transaction().execute(async (trx) => {
      const client = await clientsRepo.withRegion(trx, 'id', id);
      if (!client) throw errors.notFound('Client', '客户端');
      await clientsRepo.setStatus(trx, id, input.status);
      await recordAudit(trx, ctx, { action: input.status === 'disabled' ? 'identity.client.disable' : 'identity.client.enable', entityType: 'api_client', entityId: id, detail: { clientId: client.client_id, from: client.status, reason: input.reason } });
    });
    this.forgetBearerTokens();
    for (const fn of this.clientListeners) fn(id);
    return (await this.listClients(ctx)).find((c) => c.id === id)!;
  }

  private readonly clientListeners: ((clientId: string) => void)[] = [];
  /** Other modules that cache machine clients (the exchange) forget them when one changes in this process. */
  onClientChange(fn: (clientId: string) => void): void {
    this.clientListeners.push(fn);
  }

  async listClients(ctx: RequestContext) {
    const a = ctx.actor!;
    const rows = await clientsRepo.list(this.db, a.roles.includes('platform_admin') ? undefined : (a.departmentId ?? '-'));
    return rows.map((c) => ({
      id: c.id,
      clientId: c.client_id,
      name: c.name,
      departmentId: c.department_id,
      departmentName: c.department_name,
      scopes: c.scopes,
      status: c.status,
      createdAt: c.created_at.toISOString(),
    }));
  }

  /** OAuth 2.0 client credentials grant (RFC 6749 §4.4) for other government systems. */
  async clientToken(ctx: RequestContext, input: { clientId: string; clientSecret: string }) {
    const client = await clientsRepo.byClientId(this.db, input.clientId);
    const ok = await verifyPassword(client?.secret_hash, input.clientSecret);
    if (!client || !ok || client.status !== 'active') {
      await recordAudit(this.db, ctx, { action: 'identity.token.client', outcome: 'failure', entityType: 'api_client', entityId: client?.id ?? null, detail: { clientId: input.clientId.slice(0, 64) } });
      throw identityErrors.invalidClient();
    }
    const token = randomToken(32);
    await this.db.transaction().execute(async (trx) => {
      await clientsRepo.insertToken(trx, {
        token_hash: sha256(token),
        client_id: client.id,
        scopes: JSON.stringify(client.scopes),
        expires_at: new Date(Date.now() + ACCESS_TOKEN_SECONDS * 1000),
      });
      await recordAudit(trx, ctx, { action: 'identity.token.client', entityType: 'api_client', entityId: client.id });
    });
    return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, scope: client.scopes.join(' ') };
  }
}
