/**
 * Verification of a licence presentation (SD-JWT VC + Key Binding JWT), independent of the
 * database: the node's verification API, the public page and the offline command all run this,
 * with different ways to resolve trust (the node's issuers and trust list, or a trust list file)
 * and status (the node's lists, a fetched token, or a cached one). A refusal says why and returns
 * nothing of the licence.
 */
import { verifySignature, type Jwk } from './crypto/algorithms';
import { createHash } from 'node:crypto';
import { SdJwtError, assertDisclosuresReferenced, verifySdJwt } from './sd-jwt';
import { checkPresentation } from './presentation';
import { decodeJws } from './crypto/jws';
import { parseStatusList, STATUS_LIST_TYP, type StatusList } from './status-list';
import { codeOfVct, licenceType } from './licences.types';

export interface TrustedIssuerKey {
  jwk: Jwk;
  issuer: { iss: string; name: string; nameEn: string; regionCode: string; local: boolean };
}

export interface TrustResolver {
  /** The trusted key `kid` of issuer `iss`; 'untrusted' when the issuer is not on the trust list, 'unknown_key' when the key is not (or no longer) one of its keys. */
  issuerKey(iss: string, kid: string): Promise<TrustedIssuerKey | 'untrusted' | 'unknown_key'> | TrustedIssuerKey | 'untrusted' | 'unknown_key';
  /** The Status List Token at `uri` (signed by the issuer), or undefined when it cannot be had. */
  statusListToken(uri: string): Promise<string | undefined> | string | undefined;
}

export type RefusalCode =
  | 'MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'DISCLOSURE_TAMPERED'
  | 'UNTRUSTED_ISSUER'
  | 'UNKNOWN_ISSUER_KEY'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'REVOKED'
  | 'SUSPENDED'
  | 'STATUS_UNAVAILABLE'
  | 'KEY_BINDING_INVALID'
  | 'PRESENTATION_EXPIRED';

export const REFUSALS: Record<RefusalCode, { zh: string; en: string }> = {
  MALFORMED: { zh: '不是有效的电子证照出示码', en: 'Not a valid licence presentation' },
  SIGNATURE_INVALID: { zh: '签名无效：证照被伪造或篡改', en: 'Invalid signature: the licence is forged or altered' },
  DISCLOSURE_TAMPERED: { zh: '出示内容被篡改：披露项与签发时不符', en: 'The presentation was tampered with: a disclosed field does not match what was issued' },
  UNTRUSTED_ISSUER: { zh: '签发机构不在本节点的信任列表中', en: 'The issuer is not on this node’s trust list' },
  UNKNOWN_ISSUER_KEY: { zh: '签发密钥未公布或已撤销', en: 'The signing key is not published or has been revoked' },
  EXPIRED: { zh: '证照已过有效期', en: 'The licence has expired' },
  NOT_YET_VALID: { zh: '证照尚未生效', en: 'The licence is not yet valid' },
  REVOKED: { zh: '证照已被吊销或注销', en: 'The licence has been revoked' },
  SUSPENDED: { zh: '证照已被暂停使用', en: 'The licence is suspended' },
  STATUS_UNAVAILABLE: { zh: '无法取得证照状态列表，不能确认证照有效', en: 'The status list cannot be obtained, so validity cannot be confirmed' },
  KEY_BINDING_INVALID: { zh: '持证人绑定签名无效（出示码被复制或篡改）', en: 'The holder binding is invalid (the presentation was copied or altered)' },
  PRESENTATION_EXPIRED: { zh: '出示码已过期，请持证人重新生成', en: 'The presentation has expired; ask the holder for a new one' },
};

export type VerificationStatus = 'valid' | 'suspended' | 'revoked' | 'expired' | 'refused';

export interface VerificationResult {
  valid: boolean;
  status: VerificationStatus;
  reason?: { code: RefusalCode; zh: string; en: string };
  /** Only when valid: what the holder disclosed, and who vouches for it. */
  licence?: {
    type: string;
    typeName: { zh: string; en: string };
    issuer: TrustedIssuerKey['issuer'];
    alg: string;
    kid: string;
    issuedAt: string | null;
    validUntil: string | null;
    disclosed: Record<string, unknown>;
    fieldLabels: Record<string, { zh: string; en: string }>;
  };
  /** What was checked (null: not reached). */
  checks: { signature: boolean | null; issuerTrusted: boolean | null; notExpired: boolean | null; status: string | null; keyBinding: boolean | null };
  /** For logging (no personal data): issuer and licence type of the presented token, as claimed. */
  claimed: { iss: string | null; vct: string | null };
}

/** Claims of the VC that are not licence fields. */
const META = new Set(['iss', 'vct', 'iat', 'nbf', 'exp', 'cnf', 'status', 'sub', '_sd_alg', 'licence_type', 'issuer_name', 'vct#integrity']);

const b64json = (s: string | undefined) => JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

export interface VerifyOptions {
  trust: TrustResolver;
  /** The audience a holder's Key Binding JWT must name (this node's verify URL). */
  audience: string;
  /** How old a Key Binding JWT may be (the presentation's lifetime). */
  maxPresentationAgeSeconds: number;
  /** Seconds since the epoch (default now). */
  now?: number;
  /** Offline use without a cached status list: report the status as unchecked instead of refusing. */
  allowUncheckedStatus?: boolean;
  /**
   * How the Disclosures and the Key Binding JWT are checked: 'lean' (default, presentation.ts) or
   * 'library' (@sd-jwt/core, the reference the tests hold the lean path to).
   */
  engine?: 'lean' | 'library';
}

export async function verifyPresentation(presentation: string, opts: VerifyOptions): Promise<VerificationResult> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const checks: VerificationResult['checks'] = { signature: null, issuerTrusted: null, notExpired: null, status: null, keyBinding: null };
  const claimed: VerificationResult['claimed'] = { iss: null, vct: null };
  const refuse = (code: RefusalCode, status: VerificationStatus = 'refused'): VerificationResult => ({ valid: false, status, reason: { code, ...REFUSALS[code] }, checks, claimed });

  const compact = presentation.trim();
  if (compact.length > 64_000 || !/^[A-Za-z0-9_\-.~]+$/.test(compact)) return refuse('MALFORMED');
  const parts = compact.split('~');
  const [h, p, s] = parts[0].split('.');
  if (parts.length < 2 || !h || !p || !s) return refuse('MALFORMED');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = b64json(h);
    payload = b64json(p);
  } catch {
    return refuse('MALFORMED');
  }
  claimed.iss = typeof payload.iss === 'string' ? payload.iss.slice(0, 300) : null;
  claimed.vct = typeof payload.vct === 'string' ? payload.vct.slice(0, 200) : null;
  if (typeof payload.iss !== 'string' || typeof header.kid !== 'string' || typeof header.alg !== 'string') return refuse('MALFORMED');
  const kb = parts[parts.length - 1];
  const kbParts = kb.split('.');
  let kbPayload: Record<string, unknown>;
  try {
    if (kbParts.length !== 3 || !kbParts[0] || !kbParts[2]) throw new Error('not a JWT');
    kbPayload = b64json(kbParts[1]);
    if (!kbPayload || typeof kbPayload !== 'object') throw new Error('not a JWT');
  } catch {
    checks.keyBinding = false;
    return refuse('KEY_BINDING_INVALID');
  }

  const key = await opts.trust.issuerKey(payload.iss, header.kid);
  if (key === 'untrusted') {
    checks.issuerTrusted = false;
    return refuse('UNTRUSTED_ISSUER');
  }
  if (key === 'unknown_key') {
    checks.issuerTrusted = false;
    return refuse('UNKNOWN_ISSUER_KEY');
  }
  checks.issuerTrusted = true;
  // The issuer's signature first, so that "expired" or "revoked" is never said of a forgery.
  checks.signature = verifiedOnce(`${key.jwk.kty}.${key.jwk.crv}.${key.jwk.x}.${key.jwk.y ?? ''}`, parts[0], () => verifySignature(header.alg as string, key.jwk, Buffer.from(`${h}.${p}`, 'ascii'), Buffer.from(s, 'base64url')));
  if (!checks.signature) return refuse('SIGNATURE_INVALID');
  if (typeof payload.exp === 'number' && payload.exp <= now) {
    checks.notExpired = false;
    return refuse('EXPIRED', 'expired');
  }
  if (typeof payload.nbf === 'number' && payload.nbf > now + 60) {
    checks.notExpired = false;
    return refuse('NOT_YET_VALID');
  }
  checks.notExpired = true;
  if (typeof payload.vct !== 'string') return refuse('MALFORMED');

  let claims: Record<string, unknown>;
  if (opts.engine === 'library') {
    // The reference path: @sd-jwt/core plus the RFC 9901 §7.1 reference check it lacks.
    try {
      assertDisclosuresReferenced(compact, payload);
    } catch {
      return refuse('DISCLOSURE_TAMPERED');
    }
    try {
      claims = (
        await verifySdJwt(compact, {
          now,
          skewSeconds: 60,
          issuerSignatureVerified: parts[0], // checked above
          disclosuresChecked: true, // just above
          resolveIssuerKey: () => key.jwk,
          keyBinding: { nonce: String(kbPayload.nonce ?? ''), aud: opts.audience, maxAgeSeconds: opts.maxPresentationAgeSeconds },
        })
      ).claims;
    } catch (err) {
      return refusalOf(err as SdJwtError, checks, refuse);
    }
  } else {
    // The hot path: the same checks in one pass over the parsed presentation (presentation.ts).
    const out = checkPresentation({ compact, parts, payload, now, skewSeconds: 60, audience: opts.audience, maxAgeSeconds: opts.maxPresentationAgeSeconds });
    if (!out.ok) {
      if (out.code === 'KEY_BINDING_INVALID' || out.code === 'PRESENTATION_EXPIRED') checks.keyBinding = false;
      return refuse(out.code);
    }
    claims = out.claims;
  }
  checks.keyBinding = true;

  // Status: the issuer's Token Status List, signed by the same issuer.
  const ref = (payload.status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined)?.status_list;
  if (ref) {
    if (typeof ref.uri !== 'string' || !Number.isInteger(ref.idx)) return refuse('MALFORMED');
    const list = await statusListFor(ref.uri, String(payload.iss), opts.trust, now);
    if (!list) {
      if (!opts.allowUncheckedStatus) return refuse('STATUS_UNAVAILABLE');
      checks.status = 'unchecked';
    } else {
      let value: number;
      try {
        value = list.getStatus(ref.idx as number);
      } catch {
        return refuse('MALFORMED');
      }
      checks.status = value === 0 ? 'valid' : value === 2 ? 'suspended' : 'invalid';
      if (value === 2) return refuse('SUSPENDED', 'suspended');
      if (value !== 0) return refuse('REVOKED', 'revoked');
    }
  } else checks.status = 'none';

  const code = codeOfVct(payload.vct) ?? String(payload.licence_type ?? '');
  const def = licenceType(code);
  // In the type's field order (the order of disclosures is the holder's, and says nothing).
  const order = ['licence_no', ...(def?.fields.map((f) => f.key) ?? [])];
  const rank = (k: string) => (order.indexOf(k) < 0 ? order.length : order.indexOf(k));
  const disclosed = Object.fromEntries(
    Object.entries(claims)
      .filter(([k]) => !META.has(k))
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)),
  );
  const fieldLabels = Object.fromEntries(Object.keys(disclosed).map((k) => {
    const fd = def?.fields.find((x) => x.key === k);
    return [k, fd ? { zh: fd.zh, en: fd.en } : k === 'licence_no' ? { zh: '证照编号', en: 'Licence number' } : { zh: k, en: k }];
  }));
  return {
    valid: true,
    status: 'valid',
    checks,
    claimed,
    licence: {
      type: code,
      typeName: { zh: def?.zh ?? code, en: def?.en ?? code },
      issuer: key.issuer,
      alg: String(header.alg),
      kid: String(header.kid),
      issuedAt: typeof payload.iat === 'number' ? new Date(payload.iat * 1000).toISOString() : null,
      validUntil: typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : null,
      disclosed,
      fieldLabels,
    },
  };
}

function refusalOf(e: SdJwtError, checks: VerificationResult['checks'], refuse: (c: RefusalCode) => VerificationResult): VerificationResult {
  const msg = e.message ?? '';
  if (e.reason === 'KEY_BINDING') {
    checks.keyBinding = false;
    return refuse(/too old|future/.test(msg) ? 'PRESENTATION_EXPIRED' : 'KEY_BINDING_INVALID');
  }
  if (/Status List JWT/i.test(msg)) return refuse('STATUS_UNAVAILABLE');
  if (/not yet valid/i.test(msg)) return refuse('NOT_YET_VALID');
  if (/expired/i.test(msg)) return refuse('EXPIRED');
  if (/Disclosure|digest|_sd|sd_hash/i.test(msg)) return refuse('DISCLOSURE_TAMPERED');
  if (/signature|verify/i.test(msg)) {
    checks.signature = false;
    return refuse('SIGNATURE_INVALID');
  }
  return refuse('MALFORMED');
}

// ---- memoised signature checks ------------------------------------------------------------------
// The issuer-signed part of a licence is the same in every presentation of it, and a status list
// token is the same for every licence on the list until it changes: verifying the same bytes with
// the same key again would only burn CPU (SM2 in JavaScript costs milliseconds). Successes are
// remembered by a digest of key and bytes; the key's trust and status are still resolved each time.

const verifiedSignatures = new Set<string>();

function verifiedOnce(keyId: string, bytes: string, check: () => boolean): boolean {
  const id = createHash('sha256').update(keyId).update('\0').update(bytes).digest('base64url');
  if (verifiedSignatures.has(id)) return true;
  const ok = check();
  if (ok) {
    if (verifiedSignatures.size >= 100_000) verifiedSignatures.clear();
    verifiedSignatures.add(id);
  }
  return ok;
}

const statusLists = new Map<string, { list: StatusList; exp: number | null }>();

/** The verified list of a status list token (signature by the licence's issuer, type, subject, expiry), or undefined. */
async function statusListFor(uri: string, iss: string, trust: TrustResolver, now: number): Promise<StatusList | undefined> {
  const token = await trust.statusListToken(uri);
  if (!token) return undefined;
  const cached = statusLists.get(token);
  if (cached) return cached.exp === null || cached.exp + 60 >= now ? cached.list : undefined;
  let jws;
  try {
    jws = decodeJws(token);
  } catch {
    return undefined;
  }
  if (jws.header.typ !== STATUS_LIST_TYP || jws.payload.sub !== uri || (jws.payload.iss !== undefined && jws.payload.iss !== iss)) return undefined;
  const key = await trust.issuerKey(iss, String(jws.header.kid ?? ''));
  if (typeof key !== 'object' || !verifySignature(jws.header.alg, key.jwk, Buffer.from(jws.signingInput, 'ascii'), jws.signature)) return undefined;
  const exp = typeof jws.payload.exp === 'number' ? jws.payload.exp : null;
  if (exp !== null && exp + 60 < now) return undefined;
  let list: StatusList;
  try {
    list = parseStatusList(jws.payload);
  } catch {
    return undefined;
  }
  if (statusLists.size >= 1000) statusLists.clear();
  statusLists.set(token, { list, exp });
  return list;
}
