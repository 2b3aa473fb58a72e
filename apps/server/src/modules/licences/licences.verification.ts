/**
 * Verification on this node: who is trusted (this node's issuers, and other regions' issuers an
 * admin added — 互认), the signed trust list document that offline verifiers use, and the
 * verification API: every call is checked, answered with a response signed by the node's
 * verification key carrying a receipt id, and appended to the transparency log (group commit).
 * Refusals are logged the same way and return the reason only.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseHandle, Db } from '../../db/database';
import { notifyAtCommit } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';
import type { RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import type { OrgService } from '../org';
import { appendToLog, BatchSigner, canonicalJson, type BatchProof } from '../transparency';
import { algOfJwk, createSigner, generateSigningKey, jwkThumbprint, publicJwk, type Jwk, type Signer } from './crypto/algorithms';
import { signJws } from './crypto/jws';
import { licenceErrors } from './licences.errors';
import { issuerKeysRepo, trustedIssuersRepo } from './licences.repository';
import type { LicenceService } from './licences.service';
import { LogBatcher } from './log-batcher';
import { verifyPresentation, type TrustResolver, type TrustedIssuerKey, type VerificationResult } from './verifier';

const NODE_KEY_META = 'licences.node_key';
/**
 * How long resolved issuer keys and trust entries are reused in memory. A change in this process
 * applies at once, one in another process as soon as its NOTIFY arrives (`follow`), and within this
 * bound should the LISTEN connection be down.
 */
const TRUST_CACHE_MS = 5_000;
/** NOTIFY channel of trust, key and status list changes (payload 'trust' or 'status:<list id>'), sent at commit. */
export const LICENCE_CHANGES = 'licences_changed';
/** Tells every process (this one included) at commit that trust or a status list changed. */
export const announceLicenceChange = (trx: Db, what: 'trust' | `status:${string}`) => notifyAtCommit(trx, LICENCE_CHANGES, what);
/**
 * How long this node's own status list token is reused by its verification API without reading
 * the list: the bound on how late this node's API sees a suspension or revocation made in another
 * process (one made in this process is seen at once, see statusChanged).
 */
export const LOCAL_STATUS_CACHE_MS = 1000;
/** After a change in this process, how long the list is read on every verification (the change may commit later). */
const LOCAL_STATUS_UNCACHED_MS = 5000;

export interface TrustListIssuer {
  iss: string;
  name: string;
  nameEn: string;
  regionCode: string;
  local: boolean;
  keys: Jwk[];
}

export interface SignedVerification {
  result: VerificationResult;
  /** leafHash: the log leaf of the batch holding this answer's entry; batchIndex: its position in the leaf's `entries`. */
  receipt: { id: string; at: string; verifier: string; presentationSha256: string; leafHash: string; batchIndex: number };
  /**
   * JWS (typ licence-verification-batch+jwt) by the node's verification key over the head
   * { iss, iat, root, size } of a Merkle tree whose leaves are the answers of one batch: this
   * answer's leaf is SHA-256(0x00 || canonical JSON of { result, receipt }) — see `proof`.
   */
  signature: string;
  /** This answer's inclusion path in the signed batch (RFC 6962 hashing; verify with inSignedBatch). */
  proof: BatchProof;
}

/** The bytes a verification answer's batch signature covers. */
export const signedAnswerBytes = (a: { result: VerificationResult; receipt: SignedVerification['receipt'] }) => Buffer.from(canonicalJson({ result: a.result, receipt: a.receipt }), 'utf8');

export class LicenceVerification {
  private nodeSignerPromise: Promise<Signer> | null = null;
  private keyCache = new Map<string, { at: number; value: TrustedIssuerKey | 'unknown_key' }>();
  private externalCache: { at: number; byIss: Map<string, TrustListIssuer> } | null = null;
  private remoteStatus = new Map<string, { token: string; until: number }>();
  private localStatus = new Map<string, { token: string; until: number }>();
  /** Lists changed in this process a moment ago: read from the database until then. */
  private localStatusUncached = new Map<string, number>();
  readonly log: LogBatcher;
  /** One node-key signature per batch of answers (transparency/batch-signer.ts). */
  readonly answers: BatchSigner;
  /** Fetches another node's status list token (replaceable in tests). */
  fetchRemote: (uri: string) => Promise<string | undefined> = async (uri) => {
    const res = await fetch(uri, { signal: AbortSignal.timeout(3000), headers: { accept: 'application/statuslist+jwt' } });
    return res.ok ? res.text() : undefined;
  };

  constructor(
    private readonly db: Db,
    private readonly crypto: FieldCrypto,
    private readonly org: OrgService,
    private readonly keys: LicenceService,
    private readonly opts: { publicUrl: string; presentationTtlSeconds: number; nodeRegion: string },
  ) {
    this.log = new LogBatcher(db, 'licence.verification.batch');
    this.answers = new BatchSigner(async (head) =>
      signJws({ typ: 'licence-verification-batch+jwt' }, { iss: this.opts.publicUrl, iat: Math.floor(Date.now() / 1000), ...head }, await this.nodeSigner()),
    );
    this.trust = this.resolverFor(db);
  }

  get audience(): string {
    return `${this.opts.publicUrl}/verify`;
  }

  private get localPrefix(): string {
    return `${this.opts.publicUrl}/api/licences/issuers/`;
  }

  /** Forget cached keys and trust entries (after a rotation, a revocation or a trust-list change). */
  invalidate(): void {
    this.keyCache.clear();
    this.externalCache = null;
  }

  /**
   * A status list changed in this process: verifications see it at once. The change may still be
   * uncommitted when this is called, so the list is read afresh (not cached) for a moment after.
   */
  statusChanged(listId: string): void {
    this.localStatus.delete(listId);
    this.localStatusUncached.set(listId, Date.now() + LOCAL_STATUS_UNCACHED_MS);
  }

  /**
   * Follows other processes' changes (SERVER_PROCESSES > 1, or several nodes on one database): a
   * trust, key or status list change committed elsewhere drops this process's cached entries when
   * its NOTIFY arrives. Should the LISTEN connection drop, everything is dropped on reconnection,
   * and the cache bounds (TRUST_CACHE_MS, LOCAL_STATUS_CACHE_MS) hold meanwhile.
   */
  async follow(listen: DatabaseHandle['listen']): Promise<void> {
    const forgetAll = () => {
      this.invalidate();
      this.localStatus.clear();
    };
    await listen(LICENCE_CHANGES, (what) => (what.startsWith('status:') ? this.localStatus.delete(what.slice('status:'.length)) : this.invalidate()), { onReconnect: forgetAll });
  }

  // ---- the node's verification key -----------------------------------------------------------

  nodeSigner(): Promise<Signer> {
    this.nodeSignerPromise ??= (async () => {
      const read = async () => (await this.db.selectFrom('node_meta').select('value').where('key', '=', NODE_KEY_META).executeTakeFirst())?.value as { kid: string; sealed: string } | undefined;
      let stored = await read();
      if (!stored) {
        const jwk = generateSigningKey('EdDSA');
        await this.db.insertInto('node_meta').values({ key: NODE_KEY_META, value: JSON.stringify({ kid: jwkThumbprint(jwk), sealed: this.crypto.encrypt(JSON.stringify(jwk)) }) }).onConflict((oc) => oc.column('key').doNothing()).execute();
        stored = (await read())!;
      }
      return createSigner(JSON.parse(this.crypto.decrypt(stored.sealed)) as Jwk, stored.kid);
    })().catch((err) => {
      this.nodeSignerPromise = null;
      throw err;
    });
    return this.nodeSignerPromise;
  }

  async nodeKey(): Promise<Jwk> {
    const s = await this.nodeSigner();
    return { ...s.publicJwk, kid: s.kid, alg: s.alg, use: 'sig' };
  }

  // ---- trust ---------------------------------------------------------------------------------

  private async external(db: Db = this.db): Promise<Map<string, TrustListIssuer>> {
    if (this.externalCache && Date.now() - this.externalCache.at < TRUST_CACHE_MS) return this.externalCache.byIss;
    const rows = await trustedIssuersRepo.active(db);
    const byIss = new Map(rows.map((r) => [r.iss, { iss: r.iss, name: r.name, nameEn: r.name_en, regionCode: r.region_code, local: false, keys: (r.jwks.keys ?? []) as Jwk[] }]));
    this.externalCache = { at: Date.now(), byIss };
    return byIss;
  }

  /** This node's trust decisions (reading through `db`: pass the transaction when inside one). */
  resolverFor(db: Db): TrustResolver {
    return { issuerKey: (iss, kid) => this.issuerKey(db, iss, kid), statusListToken: (uri) => this.statusToken(uri) };
  }

  /** Trust decisions reading through the root database (outside transactions). */
  readonly trust: TrustResolver;

  private async issuerKey(db: Db, iss: string, kid: string): Promise<TrustedIssuerKey | 'untrusted' | 'unknown_key'> {
    if (iss.startsWith(this.localPrefix)) {
      const departmentId = iss.slice(this.localPrefix.length);
      const cacheKey = `${departmentId}|${kid}`;
      const hit = this.keyCache.get(cacheKey);
      if (hit && Date.now() - hit.at < TRUST_CACHE_MS) return hit.value;
      if (!/^[0-9a-f-]{36}$/.test(departmentId)) return 'untrusted';
      const dept = await db.selectFrom('departments').select(['name', 'name_en', 'region_code']).where('id', '=', departmentId).executeTakeFirst();
      if (!dept) return 'untrusted';
      const row = await issuerKeysRepo.byKid(db, kid);
      const value: TrustedIssuerKey | 'unknown_key' =
        row && row.department_id === departmentId && row.status !== 'revoked'
          ? { jwk: row.public_jwk as Jwk, issuer: { iss, name: dept.name, nameEn: dept.name_en, regionCode: dept.region_code, local: true } }
          : 'unknown_key';
      this.keyCache.set(cacheKey, { at: Date.now(), value });
      return value;
    }
    const ext = (await this.external(db)).get(iss);
    if (!ext) return 'untrusted';
    const jwk = ext.keys.find((k) => k.kid === kid);
    return jwk ? { jwk, issuer: { iss, name: ext.name, nameEn: ext.nameEn, regionCode: ext.regionCode, local: false } } : 'unknown_key';
  }

  private async statusToken(uri: string): Promise<string | undefined> {
    const local = `${this.opts.publicUrl}/api/licences/status-lists/`;
    if (uri.startsWith(local)) {
      const id = uri.slice(local.length);
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const now = Date.now();
      const hit = this.localStatus.get(id);
      if (hit && hit.until > now) return hit.token;
      const token = (await this.keys.statusListToken(id).catch(() => undefined))?.token;
      const uncached = this.localStatusUncached.get(id);
      if (uncached !== undefined && uncached <= now) this.localStatusUncached.delete(id);
      if (token && (uncached === undefined || uncached <= now)) {
        if (this.localStatus.size >= 1000) this.localStatus.clear();
        this.localStatus.set(id, { token, until: now + LOCAL_STATUS_CACHE_MS });
      }
      return token;
    }
    const hit = this.remoteStatus.get(uri);
    if (hit && hit.until > Date.now()) return hit.token;
    const token = await this.fetchRemote(uri).catch(() => undefined);
    if (token) this.remoteStatus.set(uri, { token, until: Date.now() + 60_000 });
    return token;
  }

  // ---- trust list ----------------------------------------------------------------------------

  async trustListIssuers(): Promise<TrustListIssuer[]> {
    const keys = await issuerKeysRepo.published(this.db);
    const byDept = new Map<string, Jwk[]>();
    for (const k of keys) byDept.set(k.department_id, [...(byDept.get(k.department_id) ?? []), k.public_jwk as Jwk]);
    const local: TrustListIssuer[] = [];
    for (const [departmentId, jwks] of byDept) {
      const d = await this.org.department(departmentId);
      if (d) local.push({ iss: `${this.localPrefix}${departmentId}`, name: d.name, nameEn: d.nameEn, regionCode: d.regionCode, local: true, keys: jwks });
    }
    local.sort((a, b) => a.name.localeCompare(b.name, 'zh'));
    return [...local, ...(await this.external()).values()];
  }

  /** The signed trust list (typ trust-list+jwt): what an offline verifier needs. Valid for a day. */
  async trustListDocument(): Promise<{ token: string; issuers: TrustListIssuer[]; node: { url: string; region: string; key: Jwk }; iat: number; exp: number }> {
    const issuers = await this.trustListIssuers();
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + 86_400;
    const node = { url: this.opts.publicUrl, region: this.opts.nodeRegion, key: await this.nodeKey() };
    const token = signJws({ typ: 'trust-list+jwt' }, { iss: this.opts.publicUrl, iat, exp, region: this.opts.nodeRegion, audience: this.audience, issuers }, await this.nodeSigner());
    return { token, issuers, node, iat, exp };
  }

  async addTrustedIssuer(ctx: RequestContext, input: { iss: string; name: string; nameEn: string; regionCode: string; jwks: { keys: Jwk[] }; note?: string }): Promise<{ id: string }> {
    if (input.iss.startsWith(this.localPrefix)) throw licenceErrors.trustedIssuerLocal();
    const keys = input.jwks.keys;
    const ok = keys.length > 0 && keys.every((k) => {
      try {
        algOfJwk(k);
        return typeof k.kid === 'string' && k.kid.length > 0 && k.d === undefined;
      } catch {
        return false;
      }
    });
    if (!ok) throw licenceErrors.trustedIssuerKeysInvalid();
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      if (await trustedIssuersRepo.byIss(trx, input.iss)) throw licenceErrors.trustedIssuerExists();
      const clean = keys.map((k) => ({ ...publicJwk(k), kid: k.kid, ...(k.alg ? { alg: k.alg } : {}) }));
      await trustedIssuersRepo.insert(trx, { id, iss: input.iss, name: input.name, name_en: input.nameEn, region_code: input.regionCode, jwks: JSON.stringify({ keys: clean }), note: input.note ?? null, added_by: ctx.actor?.accountId ?? null });
      await recordAudit(trx, ctx, { action: 'licences.trust.add', entityType: 'licence_trusted_issuer', entityId: id, detail: { iss: input.iss, regionCode: input.regionCode, kids: clean.map((k) => k.kid) } });
      await appendToLog(trx, { type: 'licence.trust.added', subject: input.iss, regionCode: input.regionCode, keys: clean });
      await announceLicenceChange(trx, 'trust');
    });
    this.invalidate();
    return { id };
  }

  async removeTrustedIssuer(ctx: RequestContext, id: string, reason: string): Promise<void> {
    const row = await trustedIssuersRepo.byId(this.db, id);
    if (!row) throw licenceErrors.trustedIssuerNotFound();
    await this.db.transaction().execute(async (trx) => {
      await trustedIssuersRepo.remove(trx, id);
      await recordAudit(trx, ctx, { action: 'licences.trust.remove', entityType: 'licence_trusted_issuer', entityId: id, detail: { iss: row.iss, reason } });
      await appendToLog(trx, { type: 'licence.trust.removed', subject: row.iss, reason });
      await announceLicenceChange(trx, 'trust');
    });
    this.invalidate();
  }

  async trustedIssuers() {
    return (await trustedIssuersRepo.active(this.db)).map((r) => ({ id: r.id, iss: r.iss, name: r.name, nameEn: r.name_en, regionCode: r.region_code, keys: r.jwks.keys, note: r.note, createdAt: r.created_at.toISOString() }));
  }

  // ---- the verification API ------------------------------------------------------------------

  /** Verifies, logs (group commit) and signs the answer (batch signature). `verifier` names the caller: a client id, or 'public'. */
  async verify(presentation: string, verifier: string): Promise<SignedVerification> {
    const result = await verifyPresentation(presentation, { trust: this.trust, audience: this.audience, maxPresentationAgeSeconds: this.opts.presentationTtlSeconds });
    const id = randomUUID();
    const at = new Date().toISOString();
    const presentationSha256 = createHash('sha256').update(presentation).digest('base64url');
    const { leafHash, index } = await this.log.append({
      type: 'licence.verification',
      subject: id,
      at,
      verifier,
      valid: result.valid,
      status: result.status,
      reason: result.reason?.code ?? null,
      iss: result.claimed.iss,
      vct: result.claimed.vct,
      presentationSha256,
    });
    const receipt = { id, at, verifier, presentationSha256, leafHash, batchIndex: index };
    const { signature, proof } = await this.answers.sign(signedAnswerBytes({ result, receipt }));
    return { result, receipt, signature, proof };
  }
}
