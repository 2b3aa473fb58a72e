/**
 * Issuers' signing keys and Token Status Lists: the crypto foundation of e-licences.
 *
 * Keys: one active key per department and algorithm signs; rotation retires the previous one,
 * which stays published (JWKS) so licences it signed still verify; a revoked key (compromise) is
 * withdrawn and its licences no longer verify. Private keys are stored as JWKs sealed with the
 * node's field crypto (AES-256-GCM under DATA_SECRET) and parsed once into signers. Every key
 * event goes to the audit log and to the transparency log, so a verifier can see when a key
 * appeared, and a key slipped in quietly would be noticed.
 */
import type { IdentityService } from '../identity';
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle, Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, type RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import { errors } from '../../shared/errors';
import type { OrgService } from '../org';
import { appendToLog } from '../transparency';
import { createSigner, generateSigningKey, jwkThumbprint, publicJwk, type Jwk, type Signer, type SigningAlg } from './crypto/algorithms';
import { licenceErrors } from './licences.errors';
import { issuerKeysRepo, licencesRepo, statusListsRepo } from './licences.repository';
import { StatusList, emptyStatusList, signStatusListToken, type BitsPerStatus } from './status-list';
import type { MaterialSource } from '../../shared/material-sources';
import { LicenceIssuance, effectiveStatus } from './licences.issuance';
import { LICENCE_TYPES } from './licences.types';
import { elicenceSource } from './licences.material-source';
import { LicenceVerification, announceLicenceChange } from './licences.verification';
import { LicenceWallet } from './licences.wallet';

export interface IssuerKeyInfo {
  kid: string;
  alg: SigningAlg;
  departmentId: string;
  status: 'active' | 'retired' | 'revoked';
  jwk: Jwk;
}

export interface LicenceOptions {
  /** Seconds a verifier may cache a status list: the bound on how late a suspension or revocation is seen. */
  statusTtlSeconds?: number;
  /** Seconds a holder's presentation (link, QR) stays valid. */
  presentationTtlSeconds?: number;
  /** This node's region (GB/T 2260), named in the trust list. */
  nodeRegion?: string;
  /** Holders' accounts (the identity module's lookups). */
  identity: HolderLookup;
  /** LISTEN on the database: trust, key and status list changes committed by other processes reach this one's caches at once. */
  listen?: DatabaseHandle['listen'];
}

/** What licences need of the identity module: holders by account, ID number or credit code. */
export type HolderLookup = Pick<IdentityService, 'dataSubject' | 'findDataSubject'>;

export class LicenceService {
  private readonly signers = new Map<string, Signer>();
  private readonly tokens = new Map<string, { token: string; lst: string; refreshAt: number }>();
  /** Issuance into wallets and status changes. */
  readonly issuance: LicenceIssuance;
  /** Trust list, verification API (signed, logged). */
  readonly verification: LicenceVerification;
  /** Holders' wallets: licences, renditions, presentations, uses. */
  readonly wallet: LicenceWallet;
  readonly statusTtlSeconds: number;

  constructor(
    readonly db: Db,
    private readonly crypto: FieldCrypto,
    private readonly org: OrgService,
    private readonly publicUrl: string,
    options: LicenceOptions,
  ) {
    this.statusTtlSeconds = options.statusTtlSeconds ?? 300;
    const presentationTtlSeconds = options.presentationTtlSeconds ?? 600;
    this.issuance = new LicenceIssuance(db, crypto, org, this, { publicUrl, statusTtlSeconds: this.statusTtlSeconds, identity: options.identity });
    this.verification = new LicenceVerification(db, crypto, org, this, { publicUrl, presentationTtlSeconds, nodeRegion: options.nodeRegion ?? '350000' });
    this.wallet = new LicenceWallet(db, crypto, org, this.issuance, { publicUrl, presentationTtlSeconds });
    if (options.listen) void this.verification.follow(options.listen);
  }

  /** The `elicence` material source (授权用证 / 免提交) for app.ts to register. */
  materialSource(): MaterialSource {
    return elicenceSource({ org: this.org, issuance: this.issuance, verification: this.verification });
  }

  /** Licences a department issued, newest first (all departments' when null). */
  async issuedList(departmentId: string | null) {
    const rows = await licencesRepo.ofDepartment(this.db, departmentId, 500);
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      typeName: LICENCE_TYPES[r.type] ? { zh: LICENCE_TYPES[r.type].zh, en: LICENCE_TYPES[r.type].en } : { zh: r.type, en: r.type },
      number: r.number,
      holderName: r.holder_name,
      holderKind: r.holder_kind,
      departmentId: r.department_id,
      status: effectiveStatus(r),
      statusReason: r.status_reason,
      validFrom: r.valid_from.toISOString(),
      validUntil: r.valid_until ? r.valid_until.toISOString() : null,
      source: r.source,
      applicationId: r.application_id,
      issuedAt: r.created_at.toISOString(),
    }));
  }

  /** Issues licences when applications whose item results in one are approved (the applications outbox). */
  issueOnApproval(applications: {
    subscribe(type: string, fn: (event: Record<string, unknown> & { type: string }) => Promise<void>, when?: (event: Record<string, unknown> & { type: string }) => boolean): void;
  }): void {
    applications.subscribe(
      'application.state_changed',
      (event) => this.issuance.onApplicationEvent(event),
      // Only approvals and conclusions of items whose result is (or may be) an e-licence.
      (e) => (e.to === 'approved' || e.to === 'concluded') && e.kind !== 'bundle' && (!('resultKind' in e) || e.resultKind === 'elicence'),
    );
  }

  /** Platform admins manage every issuer; a department admin only their own department's. */
  private async assertMayManage(ctx: RequestContext, departmentId: string, field: string): Promise<void> {
    if (!(await this.org.department(departmentId))) throw licenceErrors.unknownDepartment(field);
    const a = ctx.actor;
    if (hasRole(a, 'platform_admin')) return;
    if (hasRole(a, 'dept_admin') && a!.departmentId === departmentId) return;
    throw a ? licenceErrors.notYourDepartment() : errors.unauthenticated();
  }

  // ---- issuer keys -------------------------------------------------------------------------------

  /** Creates a key for (department, alg) and makes it the active one; the previous one is retired. */
  async rotateIssuerKey(ctx: RequestContext, departmentId: string, alg: SigningAlg = 'EdDSA'): Promise<{ kid: string; alg: SigningAlg; jwk: Jwk; retiredKid: string | null }> {
    await this.assertMayManage(ctx, departmentId, 'body/departmentId');
    const privateJwk = generateSigningKey(alg);
    const kid = jwkThumbprint(privateJwk);
    const jwk = { ...publicJwk(privateJwk), kid, alg, use: 'sig' };
    return this.db.transaction().execute(async (trx) => {
      const previous = await issuerKeysRepo.active(trx, departmentId, alg, true);
      if (previous) await issuerKeysRepo.retire(trx, previous.kid);
      await issuerKeysRepo.insert(trx, { kid, department_id: departmentId, alg, public_jwk: JSON.stringify(jwk), private_jwk_sealed: this.crypto.encrypt(JSON.stringify(privateJwk)) });
      await recordAudit(trx, ctx, { action: 'licences.issuer_key.rotate', entityType: 'licence_issuer_key', entityId: kid, detail: { departmentId, alg, retiredKid: previous?.kid ?? null } });
      await appendToLog(trx, { type: 'licence.issuer_key.activated', subject: departmentId, kid, alg, jwk, retiredKid: previous?.kid ?? null });
      await announceLicenceChange(trx, 'trust');
      return { kid, alg, jwk, retiredKid: previous?.kid ?? null };
    }).finally(() => this.verification.invalidate());
  }

  /** Withdraws a key (compromise): it leaves the JWKS and nothing it signed verifies any more. */
  async revokeIssuerKey(ctx: RequestContext, kid: string, reason: string): Promise<void> {
    const key = await issuerKeysRepo.byKid(this.db, kid);
    if (!key) throw licenceErrors.keyNotFound('params/kid');
    await this.assertMayManage(ctx, key.department_id, 'params/kid');
    await this.db.transaction().execute(async (trx) => {
      await issuerKeysRepo.revoke(trx, kid, reason);
      await recordAudit(trx, ctx, { action: 'licences.issuer_key.revoke', entityType: 'licence_issuer_key', entityId: kid, detail: { reason } });
      await appendToLog(trx, { type: 'licence.issuer_key.revoked', subject: key.department_id, kid, reason });
      await announceLicenceChange(trx, 'trust');
    });
    this.signers.delete(kid);
    this.verification.invalidate();
  }

  /** The published keys (JWKS, RFC 7517): active and retired keys of every issuer, or of one. */
  async jwks(departmentId?: string): Promise<{ keys: Jwk[] }> {
    const rows = await issuerKeysRepo.published(this.db, departmentId);
    return { keys: rows.map((r) => r.public_jwk as Jwk) };
  }

  /** A key for verification by kid (revoked keys included, with their status, so callers can say why). */
  async issuerKey(kid: string): Promise<IssuerKeyInfo | undefined> {
    const r = await issuerKeysRepo.byKid(this.db, kid);
    return r && { kid: r.kid, alg: r.alg, departmentId: r.department_id, status: r.status, jwk: r.public_jwk as Jwk };
  }

  /** The signer of a department's active key for an algorithm. */
  async signer(departmentId: string, alg: SigningAlg = 'EdDSA'): Promise<Signer> {
    const row = await issuerKeysRepo.active(this.db, departmentId, alg);
    if (!row) throw licenceErrors.noActiveKey(alg);
    let s = this.signers.get(row.kid);
    if (!s) {
      s = createSigner(JSON.parse(this.crypto.decrypt(row.private_jwk_sealed)) as Jwk, row.kid);
      this.signers.set(row.kid, s);
    }
    return s;
  }

  // ---- status lists ------------------------------------------------------------------------------

  statusListUri(id: string): string {
    return `${this.publicUrl}/api/licences/status-lists/${id}`;
  }

  async createStatusList(
    ctx: RequestContext,
    input: { departmentId: string; bits?: BitsPerStatus; size?: number; alg?: SigningAlg; ttlSeconds?: number },
  ): Promise<{ id: string; uri: string }> {
    await this.assertMayManage(ctx, input.departmentId, 'body/departmentId');
    const id = randomUUID();
    const bits = input.bits ?? 2; // valid / invalid / suspended need two bits
    // 2^17 entries by default: large enough that one licence's position says little about it.
    const size = input.size ?? 131_072;
    return this.db.transaction().execute(async (trx) => {
      await statusListsRepo.insert(trx, {
        id,
        department_id: input.departmentId,
        alg: input.alg ?? 'EdDSA',
        bits,
        size,
        lst: emptyStatusList(size, bits).compressStatusList(),
        ttl_seconds: input.ttlSeconds ?? 300,
      });
      await recordAudit(trx, ctx, { action: 'licences.status_list.create', entityType: 'licence_status_list', entityId: id, detail: { departmentId: input.departmentId, bits, size } });
      return { id, uri: this.statusListUri(id) };
    });
  }

  /** Sets one licence's status (0 valid, 1 invalid/revoked, 2 suspended …); logged for anyone to check. */
  async setStatus(ctx: RequestContext, listId: string, index: number, status: number): Promise<void> {
    const head = await statusListsRepo.byId(this.db, listId);
    if (!head) throw licenceErrors.statusListNotFound('params/id');
    await this.assertMayManage(ctx, head.department_id, 'params/id');
    if (!Number.isInteger(index) || index < 0 || index >= head.size) throw licenceErrors.statusIndexOutOfRange(head.size);
    if (!Number.isInteger(status) || status < 0 || status >= 2 ** head.bits) throw licenceErrors.statusValueInvalid(head.bits);
    await this.db.transaction().execute(async (trx) => {
      const previous = await this.writeStatus(trx, listId, index, status);
      await recordAudit(trx, ctx, { action: 'licences.status.set', entityType: 'licence_status_list', entityId: listId, detail: { index, status, previous } });
      await appendToLog(trx, { type: 'licence.status.changed', subject: `${this.statusListUri(listId)}#${index}`, status, previous });
    });
  }

  /** Writes one entry of a status list inside the caller's transaction (the list row is locked); returns the previous value. */
  async writeStatus(trx: Db, listId: string, index: number, status: number): Promise<number> {
    const row = await statusListsRepo.byId(trx, listId, true); // locked: concurrent changes serialize
    if (!row) throw licenceErrors.statusListNotFound('params/id');
    const list = StatusList.decompressStatusList(row.lst, row.bits as BitsPerStatus);
    const previous = list.getStatus(index);
    list.setStatus(index, status);
    await statusListsRepo.setList(trx, listId, list.compressStatusList());
    await announceLicenceChange(trx, `status:${listId}`);
    this.verification.statusChanged(listId);
    return previous;
  }

  /**
   * The signed Status List Token. A change is served at once (a cached token is reused only while
   * the stored list is unchanged); otherwise a token is re-signed after half its ttl. Verifiers may cache it for
   * `ttl` seconds: that is the bound on how late a revocation is seen.
   */
  async statusListToken(id: string): Promise<{ token: string; ttl: number }> {
    const row = await statusListsRepo.byId(this.db, id);
    if (!row) throw licenceErrors.statusListNotFound('params/id');
    const now = Date.now();
    const cached = this.tokens.get(id);
    if (cached && cached.lst === row.lst && now < cached.refreshAt) return { token: cached.token, ttl: row.ttl_seconds };
    const signer = await this.signer(row.department_id, row.alg);
    const token = signStatusListToken(
      StatusList.decompressStatusList(row.lst, row.bits as BitsPerStatus),
      { sub: this.statusListUri(id), iss: `${this.publicUrl}/api/licences/issuers/${row.department_id}`, ttl: row.ttl_seconds, expiresIn: row.ttl_seconds * 4 },
      signer,
    );
    this.tokens.set(id, { token, lst: row.lst, refreshAt: now + (row.ttl_seconds * 1000) / 2 });
    return { token, ttl: row.ttl_seconds };
  }
}
