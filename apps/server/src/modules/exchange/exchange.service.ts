/**
 * The data sharing exchange (数据共享交换).
 *
 * Consumers' systems (machine clients of a department) or their administrators request access to a
 * resource naming the fields, kinds of call, purpose, legal basis, period and quota (供需对接).
 * Unconditionally shared resources (无条件共享) are granted at once; conditionally shared ones wait
 * for a data administrator of the provider or of the big data administration, who approves (the
 * grant may narrow fields, period and quota) or refuses with a reason. Resources classed 不予共享
 * are never granted. Grants are logged in the transparency log; revocation too.
 *
 * Every call is checked against a grant: a machine call against a grant to that very system (a
 * grant naming no system is the department's platform use — 免提交 in its applications — and serves
 * only the shared_data material source), the kind of call, the fields, the period, the daily quota and the per-minute
 * rate, and must state a purpose. Each call — refused or not — gets a receipt (its id), is recorded
 * (exchange_calls, found again by the subject's keyed hash for 我的数据使用记录) and logged in the
 * transparency log in batches (see exchange.recorder.ts); every response is signed (detached JWS
 * in the `x-exchange-signature` header, by the routes).
 *
 * Caches (bounded staleness): resources and grants are cached per process for GRANT_CACHE_MS
 * (default 5 s): a grant approved or revoked in another process takes effect there within that
 * time; in the process that made the change, at once. Expiry, fields and quota are exact.
 */
import { randomUUID, randomInt } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, subjectOf, type Actor, type RequestContext } from '../../shared/actor';
import { timeOrderedUuid, type FieldCrypto } from '../../shared/crypto';
import { AppError, errors } from '../../shared/errors';
import { isInSubtree } from '../../shared/regions';
import type { OrgService } from '../org';
import type { ProviderRow, ResourcesService, ResourceRow } from '../resources';
import { appendToLog, canonicalJson, type TransparencyLog } from '../transparency';
import type { IdentityService, MachineClient } from '../identity';
import { AccessTokens, jwkThumbprint, loadSigningKey, parseJwt, publicKeyFromJwk, ResponseSigner, verifyJwtSignature } from './exchange.crypto';
import { exchangeErrors } from './exchange.errors';
import { CallRecorder, withLog, writeCalls, type CallRecord, type PendingCall, type Recorded, type SignedAnswer } from './exchange.recorder';
import type { CallKind, ExchangeGrantsTable, GrantKind } from './exchange.types';

export type GrantRow = Selectable<ExchangeGrantsTable>;

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ACCESS_TOKEN_SECONDS = 600;
const MAX_ASSERTION_SECONDS = 300;
const DSJ = /-DSJ$/;

export interface ExchangeOptions {
  db: Db;
  org: OrgService;
  resources: ResourcesService;
  crypto: FieldCrypto;
  transparency: TransparencyLog;
  publicUrl: string;
  /** Machine clients and data subjects (the identity module's lookups). */
  identity: Pick<IdentityService, 'machineClient' | 'dataSubject'> & Partial<Pick<IdentityService, 'onClientChange'>>;
  grantCacheMs?: number;
  /** Optional: licence uses to merge into 我的数据使用记录 (the licences module's licenceUsesOf). */
  licenceUsesOf?: (db: Db, holderAccountId: string) => Promise<unknown[]>;
}

export interface RequestInput {
  resource: string;
  clientId?: string | null;
  kinds: GrantKind[];
  fields: string[];
  purpose: string;
  legalBasis: string;
  validFrom?: string;
  validUntil: string;
  quotaPerDay: number;
  ratePerMinute?: number | null;
}

export interface CallInput {
  resource: string;
  subject?: string;
  fields?: string[];
  claims?: Record<string, string | number | boolean>;
  purpose?: string;
  reference?: string;
}

type ClientInfo = MachineClient;

const nowIso = () => new Date().toISOString();
const NO = (prefix: string) => `${prefix}${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '')}${String(randomInt(0, 1e8)).padStart(8, '0')}`;

function normalize(v: unknown): string {
  return typeof v === 'string' ? v.trim().toUpperCase() : JSON.stringify(v);
}

/** A record's value matches a claimed one: equal once normalized (trimmed, upper case: the X of an ID number). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    // Equal as they are needs no case folding (upper-casing Chinese text takes ICU's slow path).
    const [x, y] = [a.trim(), b.trim()];
    return x === y || x.toUpperCase() === y.toUpperCase();
  }
  return normalize(a) === normalize(b);
}

export class ExchangeService {
  signer!: ResponseSigner;
  readonly tokens: AccessTokens;
  readonly recorder: CallRecorder;
  private readonly grantCacheMs: number;
  private readonly grantCache = new Map<string, { at: number; value: Promise<GrantRow[]> }>();
  private readonly resourceCache = new Map<string, { at: number; value: Promise<ResourceRow | undefined> }>();
  private readonly clientCache = new Map<string, { at: number; value: Promise<ClientInfo | undefined> }>();

  constructor(private readonly opts: ExchangeOptions) {
    this.tokens = new AccessTokens(opts.crypto);
    this.recorder = new CallRecorder(opts.db, (bodies) => this.signer.signAll(bodies));
    this.grantCacheMs = opts.grantCacheMs ?? 5000;
    // A client disabled in this process is refused at once (in others within grantCacheMs).
    opts.identity.onClientChange?.(() => this.clientCache.clear());
  }

  private get db() {
    return this.opts.db;
  }

  async init(): Promise<void> {
    this.signer = new ResponseSigner(await loadSigningKey(this.db, this.opts.crypto));
  }

  jwks() {
    return { keys: [this.signer.key.jwk] };
  }

  // ---- who may do what -----------------------------------------------------------------------

  private async ownDept(actor: Actor) {
    return actor.departmentId ? this.opts.org.department(actor.departmentId) : undefined;
  }

  /** Big data administration data admin (or platform admin): sees and decides everything in its region subtree. */
  private async isKeeper(actor: Actor): Promise<boolean> {
    if (hasRole(actor, 'platform_admin')) return true;
    if (!hasRole(actor, 'data_admin')) return false;
    const own = await this.ownDept(actor);
    return !!own && DSJ.test(own.code);
  }

  private async canDecide(actor: Actor, providerDepartmentId: string): Promise<boolean> {
    if (hasRole(actor, 'platform_admin')) return true;
    if (!hasRole(actor, 'data_admin') || !actor.departmentId) return false;
    if (actor.departmentId === providerDepartmentId) return true;
    const [own, provider] = await Promise.all([this.ownDept(actor), this.opts.org.department(providerDepartmentId)]);
    return !!own && !!provider && DSJ.test(own.code) && isInSubtree(provider.regionCode, own.regionCode);
  }

  // ---- clients and authentication ------------------------------------------------------------

  /**
   * A cached read, shared by the calls that want it at the same time: when an entry runs out under
   * load, one query refreshes it instead of one per waiting call. A failed read is not kept.
   */
  private cached<T>(cache: Map<string, { at: number; value: Promise<T> }>, key: string, read: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < this.grantCacheMs) return hit.value;
    const value = read();
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, { at: now, value });
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  }

  /** A machine client (the identity module's lookup), cached like grants. */
  private client(by: { id?: string; clientId?: string }): Promise<ClientInfo | undefined> {
    return this.cached(this.clientCache, by.id ? `id:${by.id}` : `cid:${by.clientId}`, () => this.opts.identity.machineClient(by.id ? { id: by.id } : { clientId: by.clientId! }));
  }

  private actorOf(c: ClientInfo, amr: string): Actor {
    return {
      accountId: c.id,
      kind: 'machine',
      displayName: c.name,
      roles: ['machine'],
      departmentId: c.departmentId,
      regionCode: c.regionCode,
      actingAs: null,
      actingFor: null,
      amr: [amr],
      scopes: c.scopes,
    };
  }

  /**
   * The acting account, with a machine client's id normalized to its api_clients uuid (the identity
   * module's bearer tokens give the textual client id).
   */
  private async who(ctx: RequestContext): Promise<Actor> {
    const actor = ctx.actor!;
    if (actor.kind !== 'machine' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(actor.accountId)) return actor;
    const c = await this.client({ clientId: actor.accountId });
    if (!c) throw errors.unauthenticated();
    return { ...actor, accountId: c.id };
  }

  /** The actor behind one of the exchange's own access tokens (no database read but a cached client status). */
  async actorFromAccessToken(token: string): Promise<Actor | null> {
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const c = await this.client({ id: claims.sub });
    if (!c || c.status !== 'active') return null;
    return this.actorOf(c, 'private_key_jwt');
  }

  /**
   * OAuth 2.0 client credentials with private_key_jwt client authentication (RFC 7523 §2.2, RFC 7521
   * §4.2): the assertion is a JWT signed by one of the client's registered keys, iss = sub = the
   * client id, aud = this token endpoint, exp at most five minutes ahead, jti never seen before.
   * Failures are audited; a replayed jti is refused.
   */
  async tokenFromAssertion(ctx: RequestContext, body: { grant_type?: string; client_assertion_type?: string; client_assertion?: string; client_id?: string }) {
    const fail = async (err: AppError, clientUuid: string | null, detail: Record<string, unknown> = {}) => {
      await recordAudit(this.db, ctx, { action: 'exchange.token', outcome: 'failure', entityType: 'api_client', entityId: clientUuid, detail: { code: err.code, ...detail } });
      return err;
    };
    if (body.grant_type !== 'client_credentials') throw await fail(new AppError(400, 'UNSUPPORTED_GRANT_TYPE', '仅支持 client_credentials', 'Only client_credentials is supported', 'body/grant_type'), null);
    if (body.client_assertion_type !== ASSERTION_TYPE || !body.client_assertion)
      throw await fail(exchangeErrors.invalidAssertion('缺少 client_assertion 或类型不符', 'missing client_assertion or wrong client_assertion_type'), null);
    const parts = parseJwt(body.client_assertion);
    if (!parts) throw await fail(exchangeErrors.invalidAssertion('不是 JWS 紧凑格式', 'not a compact JWS'), null);
    const { header, payload } = parts;
    const iss = typeof payload.iss === 'string' ? payload.iss : '';
    const client = iss ? await this.client({ clientId: iss }) : undefined;
    if (!client || client.status !== 'active' || (body.client_id && body.client_id !== iss)) throw await fail(exchangeErrors.invalidAssertion('未知客户端', 'unknown client'), client?.id ?? null, { iss: iss.slice(0, 64) });
    const alg = header.alg;
    if (alg !== 'EdDSA' && alg !== 'ES256') throw await fail(exchangeErrors.invalidAssertion('不支持的算法', 'unsupported alg'), client.id);
    const keys = await this.db.selectFrom('exchange_client_keys').selectAll().where('client_id', '=', client.id).where('status', '=', 'active').where('alg', '=', alg).execute();
    const candidates = typeof header.kid === 'string' ? keys.filter((k) => k.kid === header.kid) : keys;
    const ok = candidates.some((k) => {
      const pk = publicKeyFromJwk(k.jwk);
      return !!pk && verifyJwtSignature(parts, alg, pk);
    });
    if (!ok) throw await fail(exchangeErrors.invalidAssertion('签名无效', 'bad signature'), client.id);
    const now = Math.floor(Date.now() / 1000);
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const tokenUrl = `${this.opts.publicUrl}/api/exchange/token`;
    if (payload.sub !== iss) throw await fail(exchangeErrors.invalidAssertion('sub 须等于 iss', 'sub must equal iss'), client.id);
    if (!aud.includes(tokenUrl) && !aud.includes(this.opts.publicUrl)) throw await fail(exchangeErrors.invalidAssertion('aud 不是本令牌端点', 'aud is not this token endpoint'), client.id);
    if (typeof payload.exp !== 'number' || payload.exp <= now - 30) throw await fail(exchangeErrors.invalidAssertion('已过期', 'expired'), client.id);
    if (payload.exp > now + MAX_ASSERTION_SECONDS) throw await fail(exchangeErrors.invalidAssertion('有效期过长（至多 5 分钟）', 'exp too far ahead (at most 5 minutes)'), client.id);
    if (typeof payload.jti !== 'string' || payload.jti.length < 8 || payload.jti.length > 200) throw await fail(exchangeErrors.invalidAssertion('缺少 jti', 'missing jti'), client.id);
    const jti = payload.jti;
    const token = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('exchange_assertion_jtis').where('expires_at', '<', new Date(Date.now() - 60_000)).execute();
      const fresh = await trx
        .insertInto('exchange_assertion_jtis')
        .values({ client_id: client.id, jti, expires_at: new Date((payload.exp as number) * 1000) })
        .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
        .returning('jti')
        .executeTakeFirst();
      if (!fresh) return null;
      await recordAudit(trx, { ...ctx, actor: this.actorOf(client, 'private_key_jwt') }, { action: 'exchange.token', entityType: 'api_client', entityId: client.id });
      return this.tokens.issue({ sub: client.id, cid: client.clientId, iat: now, exp: now + ACCESS_TOKEN_SECONDS, jti: randomUUID() });
    });
    if (!token) throw await fail(exchangeErrors.replayedAssertion(), client.id, { jti: jti.slice(0, 64) });
    ctx.audited = true;
    return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS };
  }

  /** Registers a client's public key for assertions (its department's administrators, or platform admins). */
  async addClientKey(ctx: RequestContext, clientId: string, jwk: Record<string, string>) {
    const actor = await this.who(ctx);
    const client = await this.client({ clientId });
    if (!client) throw exchangeErrors.unknownClient();
    if (!hasRole(actor, 'platform_admin') && actor.departmentId !== client.departmentId) throw errors.forbidden();
    const pk = publicKeyFromJwk(jwk);
    if (!pk) throw exchangeErrors.keyInvalid();
    const alg = jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
    const kid = jwk.kid || jwkThumbprint(jwk);
    const pub = jwk.kty === 'EC' ? { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid };
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('exchange_client_keys').select('id').where('client_id', '=', client.id).where('kid', '=', kid).executeTakeFirst();
      if (exists) throw errors.conflict('CLIENT_KEY_EXISTS', '该密钥标识已登记', 'A key with this kid is registered', 'body/jwk');
      await trx.insertInto('exchange_client_keys').values({ id, client_id: client.id, kid, alg, jwk: JSON.stringify(pub), created_by: actor.kind === 'machine' ? null : actor.accountId }).execute();
      await recordAudit(trx, ctx, { action: 'exchange.client_key.add', entityType: 'api_client', entityId: client.id, detail: { kid, alg } });
    });
    return { id, clientId, kid, alg, jwk: pub, status: 'active' };
  }

  async listClientKeys(ctx: RequestContext) {
    const actor = await this.who(ctx);
    let q = this.db
      .selectFrom('exchange_client_keys as k')
      .innerJoin('api_clients as c', 'c.id', 'k.client_id')
      .select(['k.id', 'c.client_id', 'k.kid', 'k.alg', 'k.jwk', 'k.status', 'k.created_at']);
    if (!hasRole(actor, 'platform_admin')) q = q.where('c.department_id', '=', actor.departmentId ?? '00000000-0000-0000-0000-000000000000');
    const rows = await q.orderBy('k.created_at', 'desc').execute();
    return rows.map((r) => ({ id: r.id, clientId: r.client_id, kid: r.kid, alg: r.alg, jwk: r.jwk, status: r.status, createdAt: r.created_at.toISOString() }));
  }

  // ---- resources (cached) ------------------------------------------------------------------------

  private resource(code: string): Promise<ResourceRow | undefined> {
    return this.cached(this.resourceCache, code, () => this.opts.resources.getRow(this.db, code));
  }

  private grantsFor(departmentId: string, resourceId: string): Promise<GrantRow[]> {
    return this.cached(this.grantCache, `${departmentId}|${resourceId}`, () =>
      this.db.selectFrom('exchange_grants').selectAll().where('consumer_department_id', '=', departmentId).where('resource_id', '=', resourceId).orderBy('created_at', 'desc').limit(50).execute(),
    );
  }

  /** Drops the grant, resource and client caches (this process sees changes at once; tests). */
  invalidate(): void {
    this.grantCache.clear();
    this.resourceCache.clear();
    this.clientCache.clear();
  }

  // ---- requests and grants -------------------------------------------------------------------

  private async presentRequest(r: Selectable<import('./exchange.types').ExchangeRequestsTable>) {
    const [res, consumer, client] = await Promise.all([
      this.opts.resources.getRow(this.db, r.resource_id),
      this.opts.org.department(r.consumer_department_id),
      r.client_id ? this.client({ id: r.client_id }) : undefined,
    ]);
    const provider = res ? await this.opts.org.department(res.provider_department_id) : undefined;
    return {
      id: r.id,
      requestNo: r.request_no,
      resource: { id: r.resource_id, code: res?.code ?? '', name: res?.name ?? '', sharingClass: res?.sharing_class ?? '' },
      provider: { id: provider?.id ?? '', name: provider?.name ?? '', nameEn: provider?.nameEn ?? '' },
      consumer: { id: r.consumer_department_id, name: consumer?.name ?? '', nameEn: consumer?.nameEn ?? '' },
      client: client ? { clientId: client.clientId, name: client.name } : null,
      kinds: r.kinds,
      fields: r.fields,
      purpose: r.purpose,
      legalBasis: r.legal_basis,
      validFrom: new Date(r.valid_from).toISOString(),
      validUntil: new Date(r.valid_until).toISOString(),
      quotaPerDay: r.quota_per_day,
      ratePerMinute: r.rate_per_minute,
      state: r.state,
      decisionReason: r.decision_reason,
      decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  async presentGrant(g: GrantRow) {
    const [res, consumer, client, used] = await Promise.all([
      this.opts.resources.getRow(this.db, g.resource_id),
      this.opts.org.department(g.consumer_department_id),
      g.client_id ? this.client({ id: g.client_id }) : undefined,
      this.db.selectFrom('exchange_usage').select('used').where('grant_id', '=', g.id).where('day', '=', chinaDayNow()).executeTakeFirst(),
    ]);
    const provider = res ? await this.opts.org.department(res.provider_department_id) : undefined;
    const now = Date.now();
    return {
      id: g.id,
      requestId: g.request_id,
      resource: { id: g.resource_id, code: res?.code ?? '', name: res?.name ?? '' },
      provider: { id: provider?.id ?? '', name: provider?.name ?? '', nameEn: provider?.nameEn ?? '' },
      consumer: { id: g.consumer_department_id, name: consumer?.name ?? '', nameEn: consumer?.nameEn ?? '' },
      client: client ? { clientId: client.clientId, name: client.name } : null,
      kinds: g.kinds,
      fields: g.fields,
      purpose: g.purpose,
      legalBasis: g.legal_basis,
      validFrom: new Date(g.valid_from).toISOString(),
      validUntil: new Date(g.valid_until).toISOString(),
      quotaPerDay: g.quota_per_day,
      usedToday: used?.used ?? 0,
      ratePerMinute: g.rate_per_minute,
      state: g.state === 'revoked' ? 'revoked' : new Date(g.valid_until).getTime() <= now ? 'expired' : new Date(g.valid_from).getTime() > now ? 'pending' : 'active',
      revokedReason: g.revoked_reason,
      revokedAt: g.revoked_at ? new Date(g.revoked_at).toISOString() : null,
      logLeafHash: g.log_leaf_hash,
      createdAt: new Date(g.created_at).toISOString(),
    };
  }

  async createRequest(ctx: RequestContext, input: RequestInput) {
    const actor = await this.who(ctx);
    const res = await this.opts.resources.getRow(this.db, input.resource);
    if (!res || res.status !== 'active') throw exchangeErrors.unknownResource();
    if (res.sharing_class === 'none') throw exchangeErrors.notShared();
    const known = new Set(res.fields.map((f) => f.name));
    const unknown = input.fields.filter((f) => !known.has(f));
    if (unknown.length) throw exchangeErrors.badFields(unknown);
    const sensitive = res.fields.some((f) => f.sensitive && input.fields.includes(f.name));
    if (sensitive && input.legalBasis.trim().length < 4) throw exchangeErrors.legalBasisRequired();
    const from = input.validFrom ? new Date(input.validFrom) : new Date();
    const until = new Date(input.validUntil);
    if (!(until > from) || until.getTime() - from.getTime() > 3 * 366 * 86400_000 || until.getTime() < Date.now()) throw exchangeErrors.badPeriod();
    // Whose request: a machine client for itself; a department's administrator for the department (or one of its clients).
    let clientUuid: string | null = null;
    let consumerDept: string;
    if (actor.kind === 'machine') {
      clientUuid = actor.accountId;
      consumerDept = actor.departmentId!;
    } else {
      if (!actor.departmentId) throw exchangeErrors.notConsumer();
      consumerDept = actor.departmentId;
      if (input.clientId) {
        const c = await this.client({ clientId: input.clientId });
        if (!c || c.departmentId !== consumerDept) throw exchangeErrors.unknownClient();
        clientUuid = c.id;
      }
    }
    const id = randomUUID();
    const auto = res.sharing_class === 'unconditional';
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('exchange_requests')
        .values({
          id,
          request_no: NO('GX'),
          resource_id: res.id,
          consumer_department_id: consumerDept,
          client_id: clientUuid,
          kinds: JSON.stringify([...new Set(input.kinds)]),
          fields: JSON.stringify([...new Set(input.fields)]),
          purpose: input.purpose,
          legal_basis: input.legalBasis,
          valid_from: from,
          valid_until: until,
          quota_per_day: input.quotaPerDay,
          rate_per_minute: input.ratePerMinute ?? null,
          created_by: actor.kind === 'machine' ? null : actor.accountId,
          created_by_kind: actor.kind,
          ...(auto ? { state: 'approved' as const, decision_reason: '无条件共享资源，自动批准 (unconditionally shared: approved automatically)', decided_at: new Date() } : {}),
        })
        .execute();
      await recordAudit(trx, ctx, { action: 'exchange.request.create', entityType: 'exchange_request', entityId: id, detail: { resource: res.code, fields: input.fields, kinds: input.kinds } });
      if (auto) await this.insertGrant(trx, id, {});
    });
    return this.getRequest(ctx, id);
  }

  private async insertGrant(trx: Db, requestId: string, narrow: { fields?: string[]; validUntil?: string; quotaPerDay?: number }): Promise<string> {
    const r = (await trx.selectFrom('exchange_requests').selectAll().where('id', '=', requestId).executeTakeFirst())!;
    const res = (await this.opts.resources.getRow(trx, r.resource_id))!;
    const fields = narrow.fields?.length ? r.fields.filter((f) => narrow.fields!.includes(f)) : r.fields;
    const validUntil = narrow.validUntil && new Date(narrow.validUntil) < new Date(r.valid_until) ? new Date(narrow.validUntil) : new Date(r.valid_until);
    const quota = narrow.quotaPerDay && narrow.quotaPerDay < r.quota_per_day ? narrow.quotaPerDay : r.quota_per_day;
    const id = randomUUID();
    const { leafHash } = await appendToLog(trx, {
      type: 'exchange.grant',
      subject: id,
      resource: res.code,
      consumerDepartment: r.consumer_department_id,
      client: r.client_id,
      kinds: r.kinds,
      fields,
      purpose: r.purpose,
      legalBasis: r.legal_basis,
      validUntil: validUntil.toISOString(),
      quotaPerDay: quota,
    });
    await trx
      .insertInto('exchange_grants')
      .values({
        id,
        request_id: requestId,
        resource_id: r.resource_id,
        consumer_department_id: r.consumer_department_id,
        client_id: r.client_id,
        kinds: JSON.stringify(r.kinds),
        fields: JSON.stringify(fields),
        purpose: r.purpose,
        legal_basis: r.legal_basis,
        valid_from: r.valid_from,
        valid_until: validUntil,
        quota_per_day: quota,
        rate_per_minute: r.rate_per_minute,
        log_leaf_hash: leafHash,
      })
      .execute();
    this.invalidate();
    return id;
  }

  private async requestScope(actor: Actor) {
    if (await this.isKeeper(actor)) return { all: true as const };
    return { all: false as const, dept: actor.departmentId ?? '00000000-0000-0000-0000-000000000000', client: actor.kind === 'machine' ? actor.accountId : null };
  }

  async listRequests(ctx: RequestContext, q: { state?: string; limit: number; offset: number }) {
    const scope = await this.requestScope(await this.who(ctx));
    let query = this.db.selectFrom('exchange_requests as r').innerJoin('data_resources as d', 'd.id', 'r.resource_id');
    if (!scope.all) {
      query = scope.client
        ? query.where('r.client_id', '=', scope.client)
        : query.where((eb) => eb.or([eb('r.consumer_department_id', '=', scope.dept), eb('d.provider_department_id', '=', scope.dept)]));
    }
    if (q.state) query = query.where('r.state', '=', q.state as 'pending');
    const total = Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await query.selectAll('r').orderBy('r.created_at', 'desc').limit(q.limit).offset(q.offset).execute();
    const items = await Promise.all(rows.map((r) => this.presentRequest(r)));
    const canDecide = await Promise.all(rows.map(async (r) => r.state === 'pending' && (await this.canDecide(ctx.actor!, (await this.opts.resources.getRow(this.db, r.resource_id))!.provider_department_id))));
    return { total, items: items.map((i, k) => ({ ...i, canDecide: canDecide[k] })) };
  }

  async getRequest(ctx: RequestContext, id: string) {
    const r = await this.db.selectFrom('exchange_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw errors.notFound('Access request', '共享申请');
    const actor = await this.who(ctx);
    const res = (await this.opts.resources.getRow(this.db, r.resource_id))!;
    const visible =
      (await this.isKeeper(actor)) ||
      (actor.kind === 'machine' ? r.client_id === actor.accountId : actor.departmentId === r.consumer_department_id || actor.departmentId === res.provider_department_id);
    if (!visible) throw errors.notFound('Access request', '共享申请');
    const grant = await this.db.selectFrom('exchange_grants').selectAll().where('request_id', '=', id).executeTakeFirst();
    return { ...(await this.presentRequest(r)), canDecide: r.state === 'pending' && (await this.canDecide(actor, res.provider_department_id)), grant: grant ? await this.presentGrant(grant) : null };
  }

  async decide(ctx: RequestContext, id: string, input: { approve: boolean; reason: string; fields?: string[]; validUntil?: string; quotaPerDay?: number }) {
    const actor = await this.who(ctx);
    // Who may decide is checked before the transaction (department lookups use the root connection).
    const found = await this.db.selectFrom('exchange_requests').select('resource_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw errors.notFound('Access request', '共享申请');
    const provider = (await this.opts.resources.getRow(this.db, found.resource_id))!.provider_department_id;
    if (!(await this.canDecide(actor, provider))) throw exchangeErrors.notDecider();
    await this.db.transaction().execute(async (trx) => {
      const r = (await trx.selectFrom('exchange_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst())!;
      if (r.state !== 'pending') throw exchangeErrors.requestNotPending();
      if (input.fields) {
        const unknown = input.fields.filter((f) => !r.fields.includes(f));
        if (unknown.length) throw exchangeErrors.badFields(unknown);
      }
      await trx
        .updateTable('exchange_requests')
        .set({ state: input.approve ? 'approved' : 'refused', decision_reason: input.reason, decided_by: actor.accountId, decided_at: new Date() })
        .where('id', '=', id)
        .execute();
      const grantId = input.approve ? await this.insertGrant(trx, id, input) : null;
      await recordAudit(trx, ctx, { action: input.approve ? 'exchange.request.approve' : 'exchange.request.refuse', entityType: 'exchange_request', entityId: id, detail: { reason: input.reason, grantId } });
    });
    return this.getRequest(ctx, id);
  }

  async listGrants(ctx: RequestContext, q: { state?: string; resource?: string; limit: number; offset: number }) {
    const scope = await this.requestScope(await this.who(ctx));
    let query = this.db.selectFrom('exchange_grants as g').innerJoin('data_resources as d', 'd.id', 'g.resource_id');
    if (!scope.all) {
      query = scope.client
        ? query.where('g.client_id', '=', scope.client)
        : query.where((eb) => eb.or([eb('g.consumer_department_id', '=', scope.dept), eb('d.provider_department_id', '=', scope.dept)]));
    }
    if (q.resource) query = query.where((eb) => eb.or([eb('d.code', '=', q.resource!), eb(sql`d.id::text`, '=', q.resource!)]));
    if (q.state === 'revoked') query = query.where('g.state', '=', 'revoked');
    if (q.state === 'active') query = query.where('g.state', '=', 'active').where('g.valid_until', '>', new Date());
    if (q.state === 'expired') query = query.where('g.state', '=', 'active').where('g.valid_until', '<=', new Date());
    const total = Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await query.selectAll('g').orderBy('g.created_at', 'desc').limit(q.limit).offset(q.offset).execute();
    return { total, items: await Promise.all(rows.map((g) => this.presentGrant(g))) };
  }

  async revokeGrant(ctx: RequestContext, id: string, reason: string) {
    const actor = await this.who(ctx);
    const found = await this.db.selectFrom('exchange_grants').select('resource_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw errors.notFound('Grant', '授权');
    const res = (await this.opts.resources.getRow(this.db, found.resource_id))!;
    if (!(await this.canDecide(actor, res.provider_department_id))) throw exchangeErrors.notDecider();
    await this.db.transaction().execute(async (trx) => {
      const g = (await trx.selectFrom('exchange_grants').selectAll().where('id', '=', id).forUpdate().executeTakeFirst())!;
      if (g.state !== 'active') throw exchangeErrors.grantNotActive();
      await trx.updateTable('exchange_grants').set({ state: 'revoked', revoked_reason: reason, revoked_by: actor.accountId, revoked_at: new Date() }).where('id', '=', id).execute();
      await appendToLog(trx, { type: 'exchange.grant.revoked', subject: id, resource: res.code, reason });
      await recordAudit(trx, ctx, { action: 'exchange.grant.revoke', entityType: 'exchange_grant', entityId: id, detail: { reason } });
    });
    this.invalidate();
    const g = (await this.db.selectFrom('exchange_grants').selectAll().where('id', '=', id).executeTakeFirst())!;
    return this.presentGrant(g);
  }

  // ---- calls ------------------------------------------------------------------------------------

  /**
   * One data call by a machine client: the answer's body (the result with its log reference, as
   * JSON) and its batch signature, made by the recorder while the call's receipt is being written.
   * Refusals throw an AppError carrying the receipt id: they are recorded and logged like any call,
   * and reveal nothing else.
   */
  async answer(ctx: RequestContext, kind: 'query' | 'verify', input: CallInput): Promise<SignedAnswer> {
    const rec = await this.recordCall(ctx, kind, input);
    if (rec.answer) return rec.answer;
    const body = withLog(canonicalJson(rec.result), rec.leafHash);
    return { body, ...(await this.signer.sign(body)) };
  }

  private async recordCall(ctx: RequestContext, kind: 'query' | 'verify', input: CallInput): Promise<Recorded> {
    const actor = await this.who(ctx);
    const receiptId = timeOrderedUuid();
    const at = nowIso();
    const base: CallRecord = {
      id: receiptId,
      at,
      kind,
      client_id: actor.accountId,
      client_name: actor.displayName,
      consumer_department_id: actor.departmentId,
      grant_id: null,
      resource_id: null,
      resource_code: String(input.resource ?? '').slice(0, 100),
      fields: [],
      purpose: input.purpose?.trim().slice(0, 300) || null,
      reference: input.reference?.slice(0, 100) ?? null,
      subject_key: null,
      outcome: 'refused',
      reason_code: null,
      auth: actor.amr[0] ?? null,
    };

    const res = await this.resource(base.resource_code);
    if (!res || res.status !== 'active') return this.refuseCall(base, exchangeErrors.unknownResource());
    base.resource_id = res.id;
    base.resource_code = res.code;
    const subject = typeof input.subject === 'string' ? input.subject.trim() : '';
    if (subject && res.subject_kind !== 'none') base.subject_key = this.opts.resources.subjectKey(subject);
    if (!base.purpose || base.purpose.length < 2) return this.refuseCall(base, exchangeErrors.purposeRequired());
    if (res.sharing_class === 'none') return this.refuseCall(base, exchangeErrors.notShared());
    if (!subject) return this.refuseCall(base, exchangeErrors.subjectRequired());
    const wanted = kind === 'verify' ? Object.keys(input.claims ?? {}) : (input.fields ?? []);
    if (kind === 'verify' && wanted.length === 0) return this.refuseCall(base, exchangeErrors.claimsRequired());

    // The grant: this department's, for this client or any of its systems, of this kind, in force, covering the fields.
    const all = (await this.grantsFor(actor.departmentId ?? '', res.id)).filter((g) => g.client_id === actor.accountId);
    if (!all.length) return this.refuseCall(base, exchangeErrors.noGrant());
    const ofKind = all.filter((g) => g.kinds.includes(kind));
    if (!ofKind.length) return this.refuseCall(base, exchangeErrors.kindNotGranted(kind));
    const now = Date.now();
    const inForce = ofKind.filter((g) => g.state === 'active' && new Date(g.valid_from).getTime() <= now && new Date(g.valid_until).getTime() > now);
    if (!inForce.length) {
      if (ofKind.some((g) => g.state === 'active' && new Date(g.valid_until).getTime() <= now)) return this.refuseCall(base, exchangeErrors.grantExpired());
      if (ofKind.some((g) => g.state === 'active')) return this.refuseCall(base, exchangeErrors.grantNotYetValid());
      return this.refuseCall(base, exchangeErrors.grantRevoked());
    }
    const grant = wanted.length ? inForce.find((g) => wanted.every((f) => g.fields.includes(f))) : inForce[0];
    if (!grant) {
      const granted = new Set(inForce.flatMap((g) => g.fields));
      return this.refuseCall(base, exchangeErrors.fieldNotGranted(wanted.filter((f) => !granted.has(f))), { fields: wanted });
    }
    const fields = wanted.length ? wanted : grant.fields;
    base.grant_id = grant.id;
    base.fields = fields;

    const rows = await this.lookup(res.id, base.subject_key ?? this.opts.resources.subjectKey(subject)); // the keyed hash once per call
    let result: Record<string, unknown>;
    if (kind === 'verify') {
      const claims = input.claims!;
      const match = rows.some((r) => Object.entries(claims).every(([k, v]) => r[k] !== undefined && sameValue(r[k], v)));
      // Results are built with their keys in canonical (sorted) order: their logged hash then needs no sorted copy.
      result = { at, kind, match, outcome: match ? 'match' : 'no_match', receiptId, resource: res.code };
      base.outcome = match ? 'match' : 'no_match';
    } else {
      const sorted = [...fields].sort();
      const data = rows.map((r) => Object.fromEntries(sorted.map((f) => [f, r[f] ?? null])));
      result = { at, fields, kind, outcome: rows.length ? 'ok' : 'not_found', receiptId, records: data, resource: res.code };
      base.outcome = rows.length ? 'ok' : 'not_found';
    }
    // The daily quota and the per-minute rate are counted at commit, exactly across processes (exchange.recorder.ts);
    // a call beyond them is answered as refused, and the error built then, only if needed (an Error captures a stack trace).
    const rec = await this.recorder.record({
      record: base,
      result,
      answer: true,
      quota: { grantId: grant.id, perDay: grant.quota_per_day },
      ...(grant.rate_per_minute ? { rate: { grantId: grant.id, perMinute: grant.rate_per_minute } } : {}),
    });
    if (rec.refused) {
      const e = rec.refused === 'rate' ? exchangeErrors.rateLimited() : exchangeErrors.quotaExceeded();
      throw new AppError(e.status, e.code, e.zh, e.en, e.field, { receiptId, log: { leafHash: rec.leafHash } });
    }
    return rec;
  }

  /** Records a refused call (its receipt and log entry, like any call) and throws the refusal with the receipt. */
  private async refuseCall(base: CallRecord, err: AppError, extra: Partial<CallRecord> = {}): Promise<never> {
    const result = { at: base.at, code: err.code, kind: base.kind, outcome: 'refused', receiptId: base.id, resource: base.resource_code };
    const rec = await this.recorder.record({ record: { ...base, ...extra, outcome: 'refused', reason_code: err.code }, result });
    throw new AppError(err.status, err.code, err.zh, err.en, err.field, { ...err.extra, receiptId: base.id, log: { leafHash: rec.leafHash } });
  }

  /**
   * Look-ups of concurrent calls are gathered for one turn of the event loop and made in one query
   * per resource (`subject_key IN (…)`): under load one round trip serves tens of calls.
   */
  private pendingLookups = new Map<string, Map<string, { resolve: (rows: Record<string, unknown>[]) => void; reject: (err: unknown) => void }[]>>();
  private lookupScheduled = false;

  /** The data of the subject's rows of the resource (the provider's records, nothing else). */
  private lookup(resourceId: string, subjectKey: string): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      const byKey = this.pendingLookups.get(resourceId) ?? new Map<string, { resolve: (rows: Record<string, unknown>[]) => void; reject: (err: unknown) => void }[]>();
      this.pendingLookups.set(resourceId, byKey);
      byKey.set(subjectKey, [...(byKey.get(subjectKey) ?? []), { resolve, reject }]);
      if (!this.lookupScheduled) {
        this.lookupScheduled = true;
        setImmediate(() => void this.flushLookups());
      }
    });
  }

  private async flushLookups(): Promise<void> {
    const batches = this.pendingLookups;
    this.pendingLookups = new Map();
    this.lookupScheduled = false;
    await Promise.all(
      [...batches].map(async ([resourceId, byKey]) => {
        try {
          const found = await this.opts.resources.dataBySubjectKeys(this.db, resourceId, [...byKey.keys()]);
          for (const [key, waiters] of byKey) for (const w of waiters) w.resolve(found.get(key) ?? []);
        } catch (err) {
          for (const waiters of byKey.values()) for (const w of waiters) w.reject(err);
        }
      }),
    );
  }

  // ---- 免提交: the shared_data material source ------------------------------------------------------

  /**
   * Fetches a material's data for an application, in the applications module's transaction: the
   * handling department's grant (for its platform use: a grant with no client) of the named
   * resource, the application as purpose. Recorded and logged as a call of kind 'material'.
   */
  async materialCall(
    trx: Db,
    input: { resourceName: string; departmentId: string; subject: string; purpose: string; reference: string },
  ): Promise<{ status: 'resolved' | 'unavailable'; receiptId: string | null; data: Record<string, unknown>; from: string | null; reason?: { zh: string; en: string } }> {
    const res = await this.opts.resources.byName(trx, input.resourceName);
    const unavailable = (zh: string, en: string) => ({ status: 'unavailable' as const, receiptId: null, data: {}, from: null, reason: { zh, en } });
    if (!res || res.status !== 'active') return unavailable('数据资源不存在或已停用', 'The data resource does not exist or is retired');
    const now = new Date();
    const grant = await trx
      .selectFrom('exchange_grants')
      .selectAll()
      .where('consumer_department_id', '=', input.departmentId)
      .where('resource_id', '=', res.id)
      .where('client_id', 'is', null)
      .where('state', '=', 'active')
      .where('valid_from', '<=', now)
      .where('valid_until', '>', now)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!grant || !grant.kinds.includes('query')) return unavailable('受理部门没有该数据资源的有效共享授权', 'The handling department holds no grant for this resource');
    // Inside the applications' transaction: department names read through it (never the root connection).
    const names = new Map((await trx.selectFrom('departments').select(['id', 'name']).where('id', 'in', [input.departmentId, res.provider_department_id]).execute()).map((d) => [d.id, d.name]));
    const dept = { name: names.get(input.departmentId) };
    const provider = { name: names.get(res.provider_department_id) };
    const rows = await this.opts.resources.rowsBySubjectKey(trx, res.id, this.opts.resources.subjectKey(input.subject));
    const receiptId = randomUUID();
    const at = nowIso();
    const fields = grant.fields;
    const records = rows.map((r) => Object.fromEntries(fields.map((f) => [f, r.data[f] ?? null])));
    const result = { receiptId, kind: 'material', resource: res.code, at, outcome: rows.length ? 'ok' : 'not_found', fields, records };
    const call: PendingCall = {
      record: {
        id: receiptId,
        at,
        kind: 'material',
        client_id: null,
        client_name: `${dept?.name ?? ''}（一网通办受理）`,
        consumer_department_id: input.departmentId,
        grant_id: grant.id,
        resource_id: res.id,
        resource_code: res.code,
        fields,
        purpose: input.purpose.slice(0, 300),
        reference: input.reference.slice(0, 100),
        subject_key: this.opts.resources.subjectKey(input.subject),
        outcome: rows.length ? 'ok' : 'not_found',
        reason_code: null,
        auth: 'platform',
      },
      result,
      quota: { grantId: grant.id, perDay: grant.quota_per_day },
    };
    const out = await writeCalls(trx, [call]);
    if (out.exceeded.size) return { ...unavailable('今日调用次数已达授权上限', 'Today’s quota of the grant is used up'), receiptId };
    if (!rows.length) return { ...unavailable('提供部门没有该申请人的记录', 'The provider holds no record of the applicant'), receiptId };
    const labels = new Map(res.fields.map((f) => [f.name, f.label]));
    const data: Record<string, unknown> = records.length === 1 ? Object.fromEntries(Object.entries(records[0]).map(([k, v]) => [labels.get(k) ?? k, v])) : { records };
    return { status: 'resolved', receiptId, data, from: provider?.name ?? null };
  }

  // ---- 数据回流: subscriptions to changes of a region's records --------------------------------------

  async subscribe(ctx: RequestContext, input: { resource: string; regionCode: string }) {
    const actor = await this.who(ctx);
    const res = await this.opts.resources.getRow(this.db, input.resource);
    if (!res || res.status !== 'active') throw exchangeErrors.unknownResource();
    const grant = (await this.grantsFor(actor.departmentId ?? '', res.id)).find(
      (g) => g.client_id === actor.accountId && g.state === 'active' && g.kinds.includes('query') && new Date(g.valid_until).getTime() > Date.now(),
    );
    if (!grant) throw exchangeErrors.noGrant();
    if (!actor.regionCode || !isInSubtree(input.regionCode, actor.regionCode)) throw exchangeErrors.regionOutside();
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('exchange_subscriptions').select('id').where('client_id', '=', actor.accountId).where('resource_id', '=', res.id).where('region_code', '=', input.regionCode).executeTakeFirst();
      if (existing) throw errors.conflict('SUBSCRIPTION_EXISTS', '已订阅', 'Already subscribed');
      await trx.insertInto('exchange_subscriptions').values({ id, client_id: actor.accountId, consumer_department_id: actor.departmentId!, resource_id: res.id, region_code: input.regionCode }).execute();
      await recordAudit(trx, ctx, { action: 'exchange.subscribe', entityType: 'exchange_subscription', entityId: id, detail: { resource: res.code, regionCode: input.regionCode } });
    });
    return { id, resource: res.code, regionCode: input.regionCode, cursor: 0 };
  }

  /**
   * The next changes of a subscription (an outbox feed the subscriber pulls): rows of the region
   * changed after `after` (default: the stored cursor), granted fields only. Each delivered row of
   * a person or enterprise is recorded as a use of their data; the cursor advances.
   */
  async changes(ctx: RequestContext, id: string, q: { after?: number; limit: number }) {
    const actor = await this.who(ctx);
    const sub = await this.db.selectFrom('exchange_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!sub || sub.client_id !== actor.accountId || sub.state !== 'active') throw errors.notFound('Subscription', '订阅');
    const res = (await this.opts.resources.getRow(this.db, sub.resource_id))!;
    const now = Date.now();
    const grant = (await this.grantsFor(sub.consumer_department_id, sub.resource_id)).find(
      (g) => g.client_id === actor.accountId && g.state === 'active' && g.kinds.includes('query') && new Date(g.valid_until).getTime() > now && new Date(g.valid_from).getTime() <= now,
    );
    if (!grant) throw exchangeErrors.noGrant();
    const after = q.after ?? Number(sub.cursor);
    const rows = await this.opts.resources.changesSince(this.db, sub.resource_id, { afterSeq: after, regionCode: sub.region_code, limit: q.limit });
    const items = rows.map((r) => ({ seq: r.seq, regionCode: r.regionCode, updatedAt: r.updatedAt, data: Object.fromEntries(grant.fields.map((f) => [f, r.data[f] ?? null])) }));
    const next = rows.length ? rows[rows.length - 1].seq : after;
    let leafHash: string | null = null;
    await this.db.transaction().execute(async (trx) => {
      if (rows.length) {
        const at = nowIso();
        const calls: PendingCall[] = rows.map((r, i) => {
          const receiptId = randomUUID();
          const subjectValue = res.subject_kind === 'none' ? null : String(r.data[res.key_field] ?? '');
          return {
            record: {
              id: receiptId, at, kind: 'feed', client_id: actor.accountId, client_name: actor.displayName, consumer_department_id: sub.consumer_department_id, grant_id: grant.id,
              resource_id: res.id, resource_code: res.code, fields: grant.fields, purpose: `数据回流订阅 ${sub.region_code}`, reference: `subscription:${sub.id}`,
              subject_key: subjectValue ? this.opts.resources.subjectKey(subjectValue) : null, outcome: 'ok', reason_code: null, auth: actor.amr[0] ?? null,
            },
            result: { receiptId, kind: 'feed', resource: res.code, at, seq: r.seq, record: items[i].data },
          };
        });
        leafHash = (await writeCalls(trx, calls)).leafHash;
      }
      await trx.updateTable('exchange_subscriptions').set({ cursor: next }).where('id', '=', id).where('cursor', '<', next).execute();
      await recordAudit(trx, ctx, { action: 'exchange.feed.pull', entityType: 'exchange_subscription', entityId: id, detail: { rows: rows.length, next } });
    });
    return { subscriptionId: id, resource: res.code, regionCode: sub.region_code, items, next, log: leafHash ? { leafHash } : null };
  }

  async listSubscriptions(ctx: RequestContext) {
    const actor = await this.who(ctx);
    const rows = await this.db
      .selectFrom('exchange_subscriptions as s')
      .innerJoin('data_resources as d', 'd.id', 's.resource_id')
      .select(['s.id', 'd.code', 'd.name', 's.region_code', 's.cursor', 's.state', 's.created_at'])
      .where('s.client_id', '=', actor.accountId)
      .orderBy('s.created_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, resource: r.code, resourceName: r.name, regionCode: r.region_code, cursor: Number(r.cursor), state: r.state, createdAt: new Date(r.created_at).toISOString() }));
  }

  // ---- 我的数据使用记录 ---------------------------------------------------------------------------------

  /** The keyed hash under which uses of this account's data are recorded (its ID number or credit code). */
  private async subjectKeyOfAccount(accountId: string): Promise<string | null> {
    const a = await this.opts.identity.dataSubject(accountId);
    if (!a) return null;
    if (a.kind === 'enterprise' && a.uscc) return this.opts.resources.subjectKey(a.uscc);
    if (a.idNumber) return this.opts.resources.subjectKey(a.idNumber);
    return null;
  }

  async myUses(ctx: RequestContext, q: { limit: number; offset: number }) {
    const accountId = subjectOf(ctx.actor!);
    const key = await this.subjectKeyOfAccount(accountId);
    if (!key) return { total: 0, items: [], licenceUses: [], licenceUsesAvailable: !!this.opts.licenceUsesOf };
    const base = this.db.selectFrom('exchange_calls as c').where('c.subject_key', '=', key);
    const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await base
      .leftJoin('exchange_batches as b', 'b.id', 'c.batch_id')
      .leftJoin('data_resources as d', 'd.id', 'c.resource_id')
      .leftJoin('departments as cd', 'cd.id', 'c.consumer_department_id')
      .leftJoin('departments as pd', 'pd.id', 'd.provider_department_id')
      .leftJoin('exchange_cases as k', (j) => j.onRef('k.call_id', '=', 'c.id').on('k.account_id', '=', accountId))
      .select([
        'c.id', 'c.at', 'c.kind', 'c.client_name', 'c.fields', 'c.purpose', 'c.reference', 'c.outcome', 'c.reason_code', 'c.result_hash', 'b.leaf_hash', 'c.resource_code',
        'd.name as resource_name', 'd.fields as resource_fields', 'cd.name as consumer_name', 'cd.name_en as consumer_name_en', 'pd.name as provider_name', 'pd.name_en as provider_name_en',
        'k.id as case_id', 'k.state as case_state', 'k.finding as case_finding', 'k.resolution as case_resolution',
      ])
      .orderBy('c.at', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    const items = rows.map((r) => {
      const labels = new Map((r.resource_fields ?? []).map((f) => [f.name, f]));
      return {
        receiptId: r.id,
        at: new Date(r.at).toISOString(),
        kind: r.kind,
        consumer: { department: r.consumer_name, departmentEn: r.consumer_name_en, system: r.client_name },
        provider: { department: r.provider_name, departmentEn: r.provider_name_en },
        resource: { code: r.resource_code, name: r.resource_name },
        fields: (r.fields as unknown as string[]).map((f) => ({ name: f, label: labels.get(f)?.label ?? f, labelEn: labels.get(f)?.labelEn ?? f })),
        purpose: r.purpose,
        reference: r.reference,
        outcome: r.outcome,
        reasonCode: r.reason_code,
        resultHash: r.result_hash,
        logLeafHash: r.leaf_hash,
        case: r.case_id ? { id: r.case_id, state: r.case_state, finding: r.case_finding, resolution: r.case_resolution } : null,
      };
    });
    const licenceUses = this.opts.licenceUsesOf ? await this.opts.licenceUsesOf(this.db, accountId) : [];
    return { total, items, licenceUses, licenceUsesAvailable: !!this.opts.licenceUsesOf };
  }

  /** A use's receipt with its transparency-log entry and inclusion proof (or `pending` until the next batch is integrated). */
  async useProof(ctx: RequestContext, receiptId: string) {
    const call = await this.ownCall(ctx, receiptId);
    const batch = call.batch_id ? await this.db.selectFrom('exchange_batches').selectAll().where('id', '=', call.batch_id).executeTakeFirst() : undefined;
    if (!batch) return { receiptId, resultHash: call.result_hash, leafHash: null, status: 'pending' as const, proof: null, entry: null, sth: null };
    try {
      const proof = await this.opts.transparency.inclusionProof({ leafHash: Buffer.from(batch.leaf_hash, 'base64') });
      const entry = await this.opts.transparency.entry(proof.leafIndex);
      const sth = await this.opts.transparency.latestSth();
      return { receiptId, resultHash: call.result_hash, leafHash: batch.leaf_hash, status: 'included' as const, proof, entry: entry.entry, sth };
    } catch {
      return { receiptId, resultHash: call.result_hash, leafHash: batch.leaf_hash, status: 'pending' as const, proof: null, entry: null, sth: null };
    }
  }

  private async ownCall(ctx: RequestContext, receiptId: string) {
    const accountId = subjectOf(ctx.actor!);
    const key = await this.subjectKeyOfAccount(accountId);
    const call = await this.db.selectFrom('exchange_calls').selectAll().where('id', '=', receiptId).executeTakeFirst();
    if (!call || !key || call.subject_key !== key) throw errors.notFound('Data use', '数据使用记录');
    return call;
  }

  async flagUse(ctx: RequestContext, receiptId: string, reason: string) {
    const call = await this.ownCall(ctx, receiptId);
    const accountId = subjectOf(ctx.actor!);
    const id = randomUUID();
    const caseNo = NO('SY');
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('exchange_cases').select('id').where('call_id', '=', call.id).where('account_id', '=', accountId).executeTakeFirst();
      if (existing) throw exchangeErrors.alreadyFlagged();
      await trx.insertInto('exchange_cases').values({ id, case_no: caseNo, call_id: call.id, account_id: accountId, reporter_id: ctx.actor!.accountId, reason }).execute();
      await recordAudit(trx, ctx, { action: 'exchange.use.flag', entityType: 'exchange_case', entityId: id, detail: { receiptId } });
    });
    return { id, caseNo, receiptId, state: 'open' as const };
  }

  // ---- misuse cases ------------------------------------------------------------------------------------

  async listCases(ctx: RequestContext, q: { state?: string; limit: number; offset: number }) {
    const actor = await this.who(ctx);
    let query = this.db
      .selectFrom('exchange_cases as k')
      .innerJoin('exchange_calls as c', 'c.id', 'k.call_id')
      .leftJoin('data_resources as d', 'd.id', 'c.resource_id')
      .leftJoin('departments as cd', 'cd.id', 'c.consumer_department_id');
    if (!(await this.isKeeper(actor))) query = query.where('d.provider_department_id', '=', actor.departmentId ?? '00000000-0000-0000-0000-000000000000');
    if (q.state) query = query.where('k.state', '=', q.state as 'open');
    const total = Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await query
      .select([
        'k.id', 'k.case_no', 'k.reason', 'k.state', 'k.finding', 'k.resolution', 'k.created_at', 'k.resolved_at',
        'c.id as receipt_id', 'c.at as call_at', 'c.kind', 'c.client_name', 'c.fields', 'c.purpose', 'c.reference', 'c.outcome', 'c.grant_id',
        'd.code as resource_code', 'd.name as resource_name', 'cd.name as consumer_name',
      ])
      .orderBy('k.created_at', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        caseNo: r.case_no,
        reason: r.reason,
        state: r.state,
        finding: r.finding,
        resolution: r.resolution,
        createdAt: new Date(r.created_at).toISOString(),
        resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
        call: {
          receiptId: r.receipt_id, at: new Date(r.call_at).toISOString(), kind: r.kind, system: r.client_name, consumer: r.consumer_name, fields: r.fields as unknown as string[],
          purpose: r.purpose, reference: r.reference, outcome: r.outcome, grantId: r.grant_id, resource: { code: r.resource_code, name: r.resource_name },
        },
      })),
    };
  }

  async resolveCase(ctx: RequestContext, id: string, input: { finding: 'misuse_confirmed' | 'no_misuse'; resolution: string; revokeGrant?: boolean }) {
    const actor = await this.who(ctx);
    let grantToRevoke: string | null = null;
    const found = await this.db.selectFrom('exchange_cases as k').innerJoin('exchange_calls as c', 'c.id', 'k.call_id').select(['c.resource_id']).where('k.id', '=', id).executeTakeFirst();
    if (!found) throw errors.notFound('Case', '案件');
    const res = found.resource_id ? await this.opts.resources.getRow(this.db, found.resource_id) : undefined;
    if (!(await this.isKeeper(actor)) && !(res && (await this.canDecide(actor, res.provider_department_id)))) throw errors.notFound('Case', '案件');
    await this.db.transaction().execute(async (trx) => {
      const k = (await trx.selectFrom('exchange_cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst())!;
      const call = (await trx.selectFrom('exchange_calls').selectAll().where('id', '=', k.call_id).executeTakeFirst())!;
      if (k.state !== 'open') throw exchangeErrors.caseNotOpen();
      await trx.updateTable('exchange_cases').set({ state: 'resolved', finding: input.finding, resolution: input.resolution, resolved_by: actor.accountId, resolved_at: new Date() }).where('id', '=', id).execute();
      await appendToLog(trx, { type: 'exchange.case.resolved', subject: id, receipt: call.id, finding: input.finding });
      await recordAudit(trx, ctx, { action: 'exchange.case.resolve', entityType: 'exchange_case', entityId: id, detail: { finding: input.finding } });
      if (input.finding === 'misuse_confirmed' && input.revokeGrant && call.grant_id) grantToRevoke = call.grant_id;
    });
    if (grantToRevoke) {
      const g = await this.db.selectFrom('exchange_grants').select('state').where('id', '=', grantToRevoke).executeTakeFirst();
      if (g?.state === 'active') await this.revokeGrant(ctx, grantToRevoke, `经核查存在滥用（案件 ${id}）`);
    }
    return (await this.listCases(ctx, { limit: 200, offset: 0 })).items.find((c) => c.id === id)!;
  }

  // ---- statistics ---------------------------------------------------------------------------------------

  async stats(ctx: RequestContext, q: { from?: string; to?: string }) {
    const actor = await this.who(ctx);
    const from = q.from ? new Date(q.from) : new Date(Date.now() - 30 * 86400_000);
    const to = q.to ? new Date(q.to) : new Date(Date.now() + 60_000);
    let query = this.db
      .selectFrom('exchange_calls as c')
      .leftJoin('data_resources as d', 'd.id', 'c.resource_id')
      .leftJoin('departments as cd', 'cd.id', 'c.consumer_department_id')
      .where('c.at', '>=', from)
      .where('c.at', '<', to);
    if (!(await this.isKeeper(actor))) {
      const dept = actor.departmentId ?? '00000000-0000-0000-0000-000000000000';
      query = query.where((eb) => eb.or([eb('c.consumer_department_id', '=', dept), eb('d.provider_department_id', '=', dept)]));
    }
    const rows = await query
      .select([
        'c.resource_code', 'd.name as resource_name', 'c.consumer_department_id', 'cd.name as consumer_name', 'cd.name_en as consumer_name_en',
        sql<number>`count(*)::int`.as('calls'),
        sql<number>`count(*) filter (where c.outcome in ('ok','match','no_match','not_found'))::int`.as('answered'),
        sql<number>`count(*) filter (where c.outcome = 'refused')::int`.as('refused'),
        sql<number>`count(*) filter (where c.kind = 'verify')::int`.as('verifications'),
        sql<number>`count(*) filter (where c.kind in ('query','material','feed'))::int`.as('queries'),
        sql<Date>`max(c.at)`.as('last_at'),
      ])
      .groupBy(['c.resource_code', 'd.name', 'c.consumer_department_id', 'cd.name', 'cd.name_en'])
      .orderBy('calls', 'desc')
      .limit(500)
      .execute();
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      rows: rows.map((r) => ({
        resource: { code: r.resource_code, name: r.resource_name },
        consumer: { id: r.consumer_department_id, name: r.consumer_name, nameEn: r.consumer_name_en },
        calls: Number(r.calls),
        answered: Number(r.answered),
        refused: Number(r.refused),
        verifications: Number(r.verifications),
        queries: Number(r.queries),
        lastAt: r.last_at ? new Date(r.last_at).toISOString() : null,
      })),
    };
  }

  /** For logs and tests: the canonical bytes whose SHA-256 is a receipt's result hash. */
  static resultHashInput(result: Record<string, unknown>): string {
    const { log: _log, ...rest } = result;
    return canonicalJson(rest);
  }
}

function chinaDayNow(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}
