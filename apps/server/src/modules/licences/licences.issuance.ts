/**
 * Issuance into holders' wallets and status changes. A licence is an SD-JWT VC signed with the
 * issuing department's active key, bound to the holder's wallet key (`cnf`), pointing at a random
 * free index of the department's Token Status List; its fields and the token are stored sealed.
 * Issuing and every status change are audited and appended to the transparency log (without
 * personal data: the licence id, type, issuer and a digest of the issuer-signed JWT).
 *
 * Issued automatically when an application whose item results in an e-licence is approved (the
 * applications outbox), by API for departments' own systems (machine clients with the scope
 * `licences:issue`), and by officers of the issuing department.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, systemAdminContext, type RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import { errors } from '../../shared/errors';
import { validateResidentId } from '../../shared/validators';
import type { OrgService } from '../org';
import { appendToLog } from '../transparency';
import { createSigner, generateSigningKey, jwkThumbprint, publicJwk, type Jwk, type Signer, type SigningAlg } from './crypto/algorithms';
import { licenceErrors } from './licences.errors';
import { holderKeysRepo, licencesRepo, listsForIssuanceRepo, statusListsRepo } from './licences.repository';
import type { LicencesTable } from './licences.tables';
import { licenceType, vctOf, type LicenceTypeDef } from './licences.types';
import { issueSdJwtVc } from './sd-jwt';
import { STATUS, StatusList, emptyStatusList, type BitsPerStatus } from './status-list';
import type { HolderLookup, LicenceService } from './licences.service';

export type FieldValue = string | number | boolean;
export type LicenceStatus = 'valid' | 'suspended' | 'revoked' | 'expired';
export type StatusAction = 'suspend' | 'revoke' | 'reinstate';

export interface IssueInput {
  type: string;
  departmentId: string;
  holderAccountId: string;
  fields: Record<string, FieldValue>;
  validFrom?: Date;
  validUntil?: Date | null;
  number?: string;
  alg?: SigningAlg;
  source: 'application' | 'api' | 'demo';
  applicationId?: string;
}

/** Size of a new status list (2 bits each) and the share of it filled before the next list starts. */
const LIST_SIZE = 131_072;
const LIST_FILL = 0.5;

export const effectiveStatus = (row: { status: 'valid' | 'suspended' | 'revoked'; valid_until: Date | null }, now = new Date()): LicenceStatus =>
  row.status === 'valid' && row.valid_until && row.valid_until.getTime() <= now.getTime() ? 'expired' : row.status;

export class LicenceIssuance {
  private readonly holderSigners = new Map<string, Signer>();

  constructor(
    private readonly db: Db,
    private readonly crypto: FieldCrypto,
    private readonly org: OrgService,
    private readonly keys: LicenceService,
    private readonly opts: { publicUrl: string; statusTtlSeconds: number; identity: HolderLookup },
  ) {}

  issuerUri(departmentId: string): string {
    return `${this.opts.publicUrl}/api/licences/issuers/${departmentId}`;
  }

  /** The department's active signer, creating its first key (EdDSA unless asked) when it has none. */
  async issuerSigner(departmentId: string, alg: SigningAlg = 'EdDSA'): Promise<Signer> {
    try {
      return await this.keys.signer(departmentId, alg);
    } catch (err) {
      if ((err as { code?: string }).code !== 'LICENCE_NO_ACTIVE_KEY') throw err;
      await this.keys.rotateIssuerKey(systemAdminContext('licences: first issuer key'), departmentId, alg).catch(() => undefined); // a concurrent first issuance may have won
      return this.keys.signer(departmentId, alg);
    }
  }

  /** The holder's wallet key (key binding): created on first issuance, kept sealed. */
  async holderSigner(accountId: string): Promise<Signer> {
    const cached = this.holderSigners.get(accountId);
    if (cached) return cached;
    let row = await holderKeysRepo.byAccount(this.db, accountId);
    if (!row) {
      const jwk = generateSigningKey('EdDSA');
      const kid = jwkThumbprint(jwk);
      await holderKeysRepo.insert(this.db, { account_id: accountId, kid, public_jwk: JSON.stringify({ ...publicJwk(jwk), kid }), private_jwk_sealed: this.crypto.encrypt(JSON.stringify(jwk)) });
      row = (await holderKeysRepo.byAccount(this.db, accountId))!;
    }
    const signer = createSigner(JSON.parse(this.crypto.decrypt(row.private_jwk_sealed)) as Jwk, row.kid);
    this.holderSigners.set(accountId, signer);
    return signer;
  }

  /** Who may issue for, or change licences of, a department. */
  assertMayIssue(ctx: RequestContext, departmentId: string): void {
    const a = ctx.actor;
    if (!a) throw errors.unauthenticated();
    if (hasRole(a, 'platform_admin')) return;
    if (hasRole(a, 'machine')) {
      if (!a.scopes.includes('licences:issue')) throw licenceErrors.scopeMissing('licences:issue');
      if (a.departmentId === departmentId) return;
      throw licenceErrors.notYourIssuer();
    }
    if (hasRole(a, 'decider', 'dept_admin') && a.departmentId === departmentId) return;
    throw licenceErrors.notYourIssuer();
  }

  /** Checks the fields against the type: known keys only, the holder's name and number present and matching. */
  private checkFields(def: LicenceTypeDef, fields: Record<string, FieldValue>, holder: { name: string; idValue: string | null }): Record<string, FieldValue> {
    const known = new Set(def.fields.map((f) => f.key));
    for (const k of Object.keys(fields)) if (!known.has(k)) throw licenceErrors.fieldUnknown(k);
    const out: Record<string, FieldValue> = {};
    for (const fd of def.fields) {
      const v = fields[fd.key];
      if (v !== undefined && v !== '') out[fd.key] = typeof v === 'string' ? v.trim().slice(0, 500) : v;
    }
    if (out[def.holderNameField] === undefined) out[def.holderNameField] = holder.name;
    if (holder.idValue) {
      if (out[def.holderIdField] === undefined) out[def.holderIdField] = holder.idValue;
      else if (String(out[def.holderIdField]).toUpperCase() !== holder.idValue.toUpperCase()) throw licenceErrors.holderFieldMismatch(def.holderIdField);
    }
    if (out[def.holderNameField] === undefined) throw licenceErrors.fieldMissing(def.holderNameField);
    return out;
  }

  /** Finds a holder by ID number or credit code (the identity module's lookup); a person known to the identity provider gets an account. */
  async resolveHolder(holder: { kind: 'person'; idNumber: string; name?: string } | { kind: 'enterprise'; creditCode: string }): Promise<string> {
    if (holder.kind === 'person') {
      const v = validateResidentId(holder.idNumber);
      if (!v.ok) throw errors.invalid('ID_NUMBER_INVALID', 'body/holder/idNumber', '身份证号码无效', 'Invalid resident ID number');
      const row = await this.opts.identity.findDataSubject({ idNumber: holder.idNumber });
      if (!row) throw licenceErrors.holderNotFound();
      return row.id;
    }
    const row = await this.opts.identity.findDataSubject({ uscc: holder.creditCode });
    if (!row) throw licenceErrors.holderNotFound();
    return row.id;
  }

  /** Issues a licence into the holder's wallet (idempotent per application). */
  async issue(ctx: RequestContext, input: IssueInput): Promise<{ id: string; number: string; created: boolean }> {
    const def = licenceType(input.type);
    if (!def) throw licenceErrors.unknownType('body/type');
    const dept = await this.org.department(input.departmentId);
    if (!dept) throw licenceErrors.unknownDepartment('body/departmentId');
    const holder = await this.opts.identity.dataSubject(input.holderAccountId);
    if (!holder || (holder.kind !== 'citizen' && holder.kind !== 'enterprise')) throw licenceErrors.holderNotFound();
    const holderKind = holder.kind === 'citizen' ? 'person' : 'enterprise';
    if (def.issuer && def.holder !== holderKind) throw licenceErrors.holderKindMismatch(def.holder);
    const idValue = holder.kind === 'citizen' ? holder.idNumber : holder.uscc;
    const fields = this.checkFields(def, input.fields, { name: holder.displayName, idValue });
    const validFrom = input.validFrom ?? new Date();
    const validUntil = input.validUntil !== undefined ? input.validUntil : def.validityYears ? new Date(validFrom.getTime() + def.validityYears * 365.25 * 86400_000) : null;
    if (validUntil && validUntil.getTime() <= validFrom.getTime()) throw licenceErrors.validityInvalid();
    if (input.applicationId) {
      const existing = await licencesRepo.byApplication(this.db, input.applicationId);
      if (existing) return { id: existing.id, number: existing.number, created: false };
    }
    const alg = input.alg ?? 'EdDSA';
    const signer = await this.issuerSigner(input.departmentId, alg);
    const holderKey = await this.holderSigner(input.holderAccountId);
    const id = randomUUID();
    const number = input.number ?? `${dept.code}-${validFrom.getFullYear()}-${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    return this.db.transaction().execute(async (trx) => {
      const { listId, index } = await this.allocateStatusIndex(trx, input.departmentId, alg);
      const iss = this.issuerUri(input.departmentId);
      const payload = {
        iss,
        vct: vctOf(def.code),
        iat: Math.floor(validFrom.getTime() / 1000),
        ...(validUntil ? { exp: Math.floor(validUntil.getTime() / 1000) } : {}),
        licence_type: def.code,
        issuer_name: dept.name,
        cnf: { jwk: holderKey.publicJwk },
        status: { status_list: { idx: index, uri: this.keys.statusListUri(listId) } },
        licence_no: number,
        ...fields,
      };
      const sdJwt = await issueSdJwtVc(signer, payload, { _sd: ['licence_no', ...Object.keys(fields)] });
      await licencesRepo.insert(trx, {
        id,
        type: def.code,
        number,
        holder_account_id: input.holderAccountId,
        holder_kind: holderKind,
        holder_name: holder.displayName,
        department_id: input.departmentId,
        kid: signer.kid,
        status_list_id: listId,
        status_index: index,
        fields_sealed: this.crypto.encrypt(JSON.stringify(fields)),
        sd_jwt_sealed: this.crypto.encrypt(sdJwt),
        valid_from: validFrom,
        valid_until: validUntil,
        source: input.source,
        application_id: input.applicationId ?? null,
        issued_by: ctx.actor?.accountId ?? null,
      });
      await recordAudit(trx, ctx, { action: 'licences.issue', entityType: 'licence', entityId: id, detail: { type: def.code, number, departmentId: input.departmentId, source: input.source, applicationId: input.applicationId ?? null } });
      const digest = createHash('sha256').update(sdJwt.split('~')[0]).digest('base64url');
      await appendToLog(trx, { type: 'licence.issued', subject: id, licenceType: def.code, issuer: iss, kid: signer.kid, status: `${this.keys.statusListUri(listId)}#${index}`, jwtSha256: digest, source: input.source });
      return { id, number, created: true };
    });
  }

  /** A random free index of the department's current list (random: an index says nothing of the order of issue). */
  private async allocateStatusIndex(trx: Db, departmentId: string, alg: SigningAlg): Promise<{ listId: string; index: number }> {
    let list = await listsForIssuanceRepo.newest(trx, departmentId, alg);
    if (!list || (await licencesRepo.countOnList(trx, list.id)) >= list.size * LIST_FILL) {
      const id = randomUUID();
      await statusListsRepo.insert(trx, { id, department_id: departmentId, alg, bits: 2, size: LIST_SIZE, lst: emptyStatusList(LIST_SIZE, 2).compressStatusList(), ttl_seconds: this.opts.statusTtlSeconds });
      list = (await listsForIssuanceRepo.newest(trx, departmentId, alg))!;
    }
    for (;;) {
      const index = randomInt(0, list.size);
      if (!(await licencesRepo.indexTaken(trx, list.id, index))) return { listId: list.id, index };
    }
  }

  /** Suspends, revokes (final) or reinstates a licence; the status list shows it at once, verifiers within the list's ttl. */
  async changeStatus(ctx: RequestContext, licenceId: string, action: StatusAction, reason: string): Promise<{ status: LicenceStatus }> {
    const row = await licencesRepo.byId(this.db, licenceId);
    if (!row) throw licenceErrors.notFound();
    this.assertMayIssue(ctx, row.department_id);
    const next = await this.db.transaction().execute(async (trx) => {
      const cur = (await licencesRepo.byId(trx, licenceId, true))!;
      const target = action === 'suspend' ? 'suspended' : action === 'revoke' ? 'revoked' : 'valid';
      const allowed = action === 'suspend' ? cur.status === 'valid' : action === 'revoke' ? cur.status !== 'revoked' : cur.status === 'suspended';
      if (!allowed) throw licenceErrors.statusTransition(cur.status, action);
      const value = target === 'valid' ? STATUS.VALID : target === 'revoked' ? STATUS.INVALID : STATUS.SUSPENDED;
      await this.keys.writeStatus(trx, cur.status_list_id, cur.status_index, value);
      await licencesRepo.setStatus(trx, licenceId, target, reason);
      await recordAudit(trx, ctx, { action: `licences.${action}`, entityType: 'licence', entityId: licenceId, detail: { from: cur.status, to: target, reason } });
      await appendToLog(trx, { type: 'licence.status.changed', subject: licenceId, status: target, previous: cur.status, ref: `${this.keys.statusListUri(cur.status_list_id)}#${cur.status_index}` });
      return target;
    });
    return { status: next };
  }

  /** The licence's stored fields and token (decrypted). */
  open(row: Pick<LicencesTable, 'fields_sealed' | 'sd_jwt_sealed'>): { fields: Record<string, FieldValue>; sdJwt: string } {
    return { fields: JSON.parse(this.crypto.decrypt(row.fields_sealed)) as Record<string, FieldValue>, sdJwt: this.crypto.decrypt(row.sd_jwt_sealed) };
  }

  // ---- issuance on approval ------------------------------------------------------------------

  /**
   * Handler of the applications outbox: an approved item (or bundle child) whose result is an
   * e-licence issues it to the applicant. At least once: the unique application id makes it idempotent.
   */
  async onApplicationEvent(event: Record<string, unknown>): Promise<void> {
    if (event.to !== 'approved' && event.to !== 'concluded') return;
    if (event.kind === 'bundle') return;
    const applicationId = String(event.applicationId ?? '');
    if (!applicationId) return;
    // The engine's event says what the result is (resultKind): no row to read when it is not an e-licence.
    if ('resultKind' in event && event.resultKind !== 'elicence') return;
    const app = await this.db
      .selectFrom('applications')
      .select(['id', 'kind', 'state', 'department_id', 'applicant_id', 'applicant_kind', 'result', 'outcome'])
      .where('id', '=', applicationId)
      .executeTakeFirst();
    const result = app?.result as { kind?: string; licenceType?: string; fields?: Record<string, unknown>; number?: string } | null | undefined;
    if (!app || !app.department_id || result?.kind !== 'elicence' || !result.licenceType) return;
    if ((app.outcome as { kind?: string } | null)?.kind !== 'approved') return;
    const def = licenceType(result.licenceType);
    if (!def) return;
    if (await licencesRepo.byApplication(this.db, app.id)) return;
    const known = new Set(def.fields.map((f) => f.key));
    const fields = Object.fromEntries(
      Object.entries(result.fields ?? {}).filter(([k, v]) => known.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')),
    ) as Record<string, FieldValue>;
    await this.issue(systemAdminContext('licences: issued on approval'), {
      type: def.code,
      departmentId: app.department_id,
      holderAccountId: app.applicant_id,
      fields: this.dropHolderIdMismatch(def, fields),
      source: 'application',
      applicationId: app.id,
    });
  }

  /** On approval the officer's result fields may name someone else's number; the holder's own is used then. */
  private dropHolderIdMismatch(def: LicenceTypeDef, fields: Record<string, FieldValue>): Record<string, FieldValue> {
    const { [def.holderIdField]: _drop, ...rest } = fields;
    return rest;
  }

  // ---- status list bookkeeping ---------------------------------------------------------------

  static listOf(row: { lst: string; bits: number }): StatusList {
    return StatusList.decompressStatusList(row.lst, row.bits as BitsPerStatus);
  }
}
