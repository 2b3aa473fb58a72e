/**
 * SD-JWT (RFC 9901) and SD-JWT VC issuance, presentation and verification on @sd-jwt/* 0.19.0,
 * with our signers, so a licence can be signed with EdDSA, ES256 or SM2SM3 alike. Digests are
 * SHA-256 (`_sd_alg` "sha-256"); salts carry 128 random bits (RFC 9901 §9.3).
 */
import { createHash, randomBytes } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { SDJwtVcInstance, type SdJwtVcPayload } from '@sd-jwt/sd-jwt-vc';
import type { DisclosureFrame, Hasher, JwtPayload, PresentationFrame } from '@sd-jwt/types';
import { verifySignature, type Jwk, type Signer } from './crypto/algorithms';
import { STATUS_NAMES, type StatusName } from './status-list';

export const sha256Hasher: Hasher = (data, alg) => {
  if (alg.toLowerCase() !== 'sha-256') throw new Error(`unsupported _sd_alg ${alg}`);
  return createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest();
};
const saltGenerator = () => randomBytes(16).toString('base64url');
const signWith = (signer: Signer) => (input: string) => signer.sign(Buffer.from(input, 'ascii')).toString('base64url');
const decodePart = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

export class SdJwtError extends Error {
  constructor(
    readonly reason: 'UNKNOWN_ISSUER_KEY' | 'INVALID' | 'KEY_BINDING' | 'STATUS_UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

export type LicencePayload = SdJwtVcPayload & Record<string, unknown>;
/** Which claims are selectively disclosable: `{ _sd: ['name', …], address: { _sd: ['street'] } }` (RFC 9901 via @sd-jwt). */
export type DisclosureSpec = { _sd?: string[]; _sd_decoy?: number; [claim: string]: unknown };

/** Issues an SD-JWT VC (header typ "dc+sd-jwt", kid = the signer's key id). */
export async function issueSdJwtVc(signer: Signer, payload: LicencePayload, disclosureFrame?: DisclosureSpec): Promise<string> {
  const sd = new SDJwtVcInstance({ signer: signWith(signer), signAlg: signer.alg, hasher: sha256Hasher, hashAlg: 'sha-256', saltGenerator });
  return sd.issue(payload, disclosureFrame as DisclosureFrame<LicencePayload>, { header: { kid: signer.kid } });
}

/** Issues a plain SD-JWT (no VC rules), e.g. for the RFC 9901 examples. */
export async function issueSdJwt(signer: Signer, payload: Record<string, unknown>, disclosureFrame?: DisclosureSpec, typ = 'sd+jwt'): Promise<string> {
  const sd = new SDJwtInstance({ signer: signWith(signer), signAlg: signer.alg, hasher: sha256Hasher, hashAlg: 'sha-256', saltGenerator });
  return sd.issue(payload, disclosureFrame as DisclosureFrame<Record<string, unknown>>, { header: { kid: signer.kid, typ } });
}

/**
 * The holder's presentation: only the disclosures the frame selects (e.g. `{ name: true }`), and
 * a Key Binding JWT over them when a holder key signs it.
 */
export async function presentSdJwt(
  compact: string,
  frame: PresentationFrame<Record<string, unknown>> | undefined,
  keyBinding?: { signer: Signer; aud: string; nonce: string; iat?: number },
): Promise<string> {
  const sd = new SDJwtInstance({ hasher: sha256Hasher, ...(keyBinding ? { kbSigner: signWith(keyBinding.signer), kbSignAlg: keyBinding.signer.alg } : {}) });
  return sd.present(
    compact,
    frame,
    keyBinding ? { kb: { payload: { aud: keyBinding.aud, nonce: keyBinding.nonce, iat: keyBinding.iat ?? Math.floor(Date.now() / 1000) } } } : undefined,
  );
}

export interface SdJwtVerifyOptions {
  /** The issuer's public key for this header (by kid) and payload (by iss): the trust decision. */
  resolveIssuerKey: (header: Record<string, unknown>, payload: Record<string, unknown>) => Promise<Jwk | undefined> | Jwk | undefined;
  /** Apply SD-JWT VC rules (vct required; status checked when present). */
  vc?: boolean;
  /** Require a Key Binding JWT with this nonce and audience, no older than maxAgeSeconds (default 300). */
  keyBinding?: { nonce: string; aud: string; maxAgeSeconds?: number };
  /** Fetches the status list token a VC points to (`status.status_list.uri`). */
  fetchStatusList?: (uri: string) => Promise<string>;
  /** Seconds since the epoch (default: now). */
  now?: number;
  requiredClaimKeys?: string[];
  /** Clock skew allowed on iat / nbf / exp of the token and of its status list token (default 0). */
  skewSeconds?: number;
  /** The issuer-signed JWT whose signature the caller has already verified with the resolved key (not checked twice). */
  issuerSignatureVerified?: string;
  /** The caller has already run assertDisclosuresReferenced on this presentation (not hashed twice). */
  disclosuresChecked?: boolean;
}

export interface SdJwtVerified {
  header: Record<string, unknown>;
  /** The issuer-signed claims with the disclosed ones filled in (undisclosed ones absent). */
  claims: Record<string, unknown>;
  keyBinding?: { aud: string; nonce: string; iat: number };
  /** For VCs with a status reference: the referenced status (0 valid, 1 invalid, 2 suspended …). */
  status?: { value: number; name: StatusName | 'other' };
}

/**
 * RFC 9901 §7.1 steps 3.4–3.5, which @sd-jwt 0.19 does not enforce: every Disclosure must be
 * referenced by a digest in the signed payload (directly, or through another referenced
 * Disclosure), and no digest or Disclosure may appear twice. Otherwise a holder could add claims.
 */
export function assertDisclosuresReferenced(compact: string, payload: Record<string, unknown>): void {
  const parts = compact.split('~');
  const disclosures = parts.slice(1, -1); // the last part is the KB-JWT or empty
  const byDigest = new Map<string, unknown>();
  for (const d of disclosures) {
    const digest = createHash('sha256').update(d, 'ascii').digest('base64url');
    if (byDigest.has(digest)) throw new SdJwtError('INVALID', 'a Disclosure appears twice');
    let value: unknown;
    try {
      const arr = JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[];
      value = arr[arr.length - 1];
    } catch {
      throw new SdJwtError('INVALID', 'malformed Disclosure');
    }
    byDigest.set(digest, value);
  }
  const seen = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) {
        const keys = item && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [];
        if (keys.length === 1 && keys[0] === '...') reference((item as Record<string, unknown>)['...']);
        else visit(item);
      }
    } else if (v && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      if (Array.isArray(obj._sd)) obj._sd.forEach(reference);
      for (const [k, child] of Object.entries(obj)) if (k !== '_sd') visit(child);
    }
  };
  const reference = (digest: unknown) => {
    if (typeof digest !== 'string') throw new SdJwtError('INVALID', 'a digest is not a string');
    if (seen.has(digest)) throw new SdJwtError('INVALID', 'a digest appears twice');
    seen.add(digest);
    if (byDigest.has(digest)) visit(byDigest.get(digest));
  };
  visit(payload);
  if ([...byDigest.keys()].some((d) => !seen.has(d))) throw new SdJwtError('INVALID', 'a Disclosure is not referenced by the issuer-signed payload');
}

export async function verifySdJwt(compact: string, opts: SdJwtVerifyOptions): Promise<SdJwtVerified> {
  const [jwt] = compact.split('~');
  const [h, p] = jwt.split('.');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodePart(h);
    payload = decodePart(p);
  } catch {
    throw new SdJwtError('INVALID', 'malformed SD-JWT');
  }
  const key = await opts.resolveIssuerKey(header, payload);
  if (!key) throw new SdJwtError('UNKNOWN_ISSUER_KEY', `no trusted key ${String(header.kid ?? '')} for issuer ${String(payload.iss ?? '')}`);
  const bySignature = (jwk: Jwk | undefined) => (data: string, sig: string) => {
    const alg = decodePart(data.split('.')[0]).alg;
    return !!jwk && typeof alg === 'string' && verifySignature(alg, jwk, Buffer.from(data, 'ascii'), Buffer.from(sig, 'base64url'));
  };
  let status: number | undefined;
  const config = {
    hasher: sha256Hasher,
    verifier: (data: string, sig: string) => (opts.issuerSignatureVerified !== undefined && opts.issuerSignatureVerified === `${data}.${sig}`) || bySignature(key)(data, sig),
    // A holder signature that does not verify is a broken holder binding (not a forged licence).
    kbVerifier: (data: string, sig: string, p: JwtPayload) => {
      if (!bySignature(p.cnf?.jwk as Jwk | undefined)(data, sig)) throw new SdJwtError('KEY_BINDING', 'the Key Binding JWT signature is invalid');
      return true;
    },
    statusListFetcher: async (uri: string) => {
      if (!opts.fetchStatusList) throw new SdJwtError('STATUS_UNAVAILABLE', 'no status list fetcher');
      return opts.fetchStatusList(uri);
    },
    // The status list token is signed by the issuer too: resolve its key the same way.
    statusVerifier: async (data: string, sig: string) => {
      const [sh, sp] = data.split('.');
      return bySignature(await opts.resolveIssuerKey(decodePart(sh), decodePart(sp)))(data, sig);
    },
    statusValidator: async (value: number) => {
      status = value;
    },
  };
  const sd = opts.vc ? new SDJwtVcInstance(config) : new SDJwtInstance(config);
  let result;
  try {
    result = await sd.verify(compact, { currentDate: opts.now, skewSeconds: opts.skewSeconds, keyBindingNonce: opts.keyBinding?.nonce, requiredClaimKeys: opts.requiredClaimKeys });
  } catch (err) {
    if (err instanceof SdJwtError) throw err;
    throw new SdJwtError(/Key Binding|Nonce|sd_hash/i.test((err as Error).message) ? 'KEY_BINDING' : 'INVALID', (err as Error).message);
  }
  if (!opts.disclosuresChecked) assertDisclosuresReferenced(compact, payload);
  const out: SdJwtVerified = { header: result.header ?? {}, claims: result.payload as Record<string, unknown> };
  if (opts.keyBinding) {
    const kb = result.kb?.payload;
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    if (!kb || kb.aud !== opts.keyBinding.aud) throw new SdJwtError('KEY_BINDING', 'key binding JWT is for another audience');
    if (typeof kb.iat !== 'number') throw new SdJwtError('KEY_BINDING', 'key binding JWT without a numeric iat');
    if (Math.abs(now - kb.iat) > (opts.keyBinding.maxAgeSeconds ?? 300)) throw new SdJwtError('KEY_BINDING', 'key binding JWT is too old or from the future');
    out.keyBinding = { aud: kb.aud, nonce: kb.nonce, iat: kb.iat };
  }
  if (status !== undefined) out.status = { value: status, name: STATUS_NAMES[status] ?? 'other' };
  return out;
}
