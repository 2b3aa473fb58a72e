/**
 * The lean SD-JWT VC presentation check of the verification hot path (RFC 9901 §7.1 and §7.3):
 * the Disclosures and the Key Binding JWT of a presentation whose issuer signature, trust and
 * validity period the caller (verifier.ts) has already checked.
 *
 * It does in one pass what @sd-jwt/core's `verify` plus our `assertDisclosuresReferenced` do —
 * the library-based path stays available (`engine: 'library'` in verifyPresentation) and the tests
 * run both over the same valid and tampered presentations and require the same answer:
 *
 *  - every Disclosure is a base64url JSON array [salt, name, value] (object property) or
 *    [salt, value] (array element), hashed once with SHA-256 over its base64url text; `_sd_alg`,
 *    when present, must be "sha-256";
 *  - every Disclosure is referenced by exactly one digest in the issuer-signed payload (directly
 *    or through another referenced Disclosure), no digest appears twice, an object Disclosure only
 *    from an `_sd` array and an array Disclosure only from a `{"...": digest}` element, and a
 *    disclosed name neither is `_sd` / `...` nor repeats a claim of its object (RFC 9901 §7.1 3–4);
 *  - the issuer JWT's `iat` is not in the future (beyond the allowed skew);
 *  - the Key Binding JWT: three parts, typ "kb+jwt", an alg other than "none", iat (a number),
 *    aud, nonce (a string) and sd_hash present, signed by the holder key in the disclosed claims'
 *    `cnf.jwk` (the header's alg must be that key's), sd_hash = SHA-256 of the presentation up to
 *    and including its last "~", aud = this verifier, iat within the presentation lifetime.
 *
 * Public keys become node:crypto KeyObjects once (crypto/algorithms caches them per key).
 */
import { createHash } from 'node:crypto';
import { verifySignature, type Jwk } from './crypto/algorithms';

export type PresentationRefusal = 'MALFORMED' | 'DISCLOSURE_TAMPERED' | 'NOT_YET_VALID' | 'KEY_BINDING_INVALID' | 'PRESENTATION_EXPIRED';

export interface PresentationCheck {
  /** The compact presentation: issuer JWT ~ Disclosures ~ KB-JWT. */
  compact: string;
  /** compact.split('~'). */
  parts: string[];
  /** The issuer-signed payload (already decoded, signature already verified). */
  payload: Record<string, unknown>;
  now: number;
  skewSeconds: number;
  audience: string;
  maxAgeSeconds: number;
}

export type PresentationOutcome =
  | { ok: true; claims: Record<string, unknown>; keyBinding: { aud: string; nonce: string; iat: number } }
  | { ok: false; code: PresentationRefusal };

const json = (s: string): unknown => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

interface Disclosure {
  name: string | null; // null: an array element
  value: unknown;
  used: boolean;
}

class Tampered extends Error {}

/** Rebuilds the claims from the payload and the Disclosures, enforcing the reference rules above. */
function unpack(value: unknown, byDigest: Map<string, Disclosure>, seen: Set<string>): unknown {
  const take = (digest: unknown): Disclosure | undefined => {
    if (typeof digest !== 'string') throw new Tampered();
    if (seen.has(digest)) throw new Tampered(); // a digest appears twice
    seen.add(digest);
    const d = byDigest.get(digest);
    if (d) d.used = true;
    return d; // undefined: a decoy or an undisclosed claim
  };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (isObject(item) && '...' in item) {
        if (Object.keys(item).length !== 1) throw new Tampered();
        const d = take(item['...']);
        if (!d) continue;
        if (d.name !== null) throw new Tampered(); // an object Disclosure in an array
        out.push(unpack(d.value, byDigest, seen));
      } else out.push(unpack(item, byDigest, seen));
    }
    return out;
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== '_sd') out[k] = unpack(v, byDigest, seen);
  const sd = value._sd;
  if (sd !== undefined) {
    if (!Array.isArray(sd)) throw new Tampered();
    for (const digest of sd) {
      const d = take(digest);
      if (!d) continue;
      if (d.name === null || d.name === '_sd' || d.name === '...' || Object.prototype.hasOwnProperty.call(out, d.name)) throw new Tampered();
      out[d.name] = unpack(d.value, byDigest, seen);
    }
  }
  return out;
}

export function checkPresentation(c: PresentationCheck): PresentationOutcome {
  const refuse = (code: PresentationRefusal): PresentationOutcome => ({ ok: false, code });
  const { parts, payload } = c;

  // Disclosures: decoded and hashed once each.
  const sdAlg = payload._sd_alg;
  if (typeof sdAlg === 'string' && sdAlg.toLowerCase() !== 'sha-256') return refuse('DISCLOSURE_TAMPERED');
  const byDigest = new Map<string, Disclosure>();
  for (let i = 1; i < parts.length - 1; i++) {
    const raw = parts[i];
    const digest = createHash('sha256').update(raw, 'ascii').digest('base64url');
    if (byDigest.has(digest)) return refuse('DISCLOSURE_TAMPERED');
    let arr: unknown;
    try {
      arr = json(raw);
    } catch {
      return refuse('DISCLOSURE_TAMPERED');
    }
    if (!Array.isArray(arr) || (arr.length !== 2 && arr.length !== 3) || (arr.length === 3 && typeof arr[1] !== 'string')) return refuse('DISCLOSURE_TAMPERED');
    byDigest.set(digest, { name: arr.length === 3 ? (arr[1] as string) : null, value: arr[arr.length - 1], used: false });
  }
  let claims: Record<string, unknown>;
  try {
    const { _sd_alg: _alg, ...signed } = payload;
    claims = unpack(signed, byDigest, new Set()) as Record<string, unknown>;
  } catch {
    return refuse('DISCLOSURE_TAMPERED');
  }
  for (const d of byDigest.values()) if (!d.used) return refuse('DISCLOSURE_TAMPERED');

  if (typeof payload.iat === 'number' && payload.iat - c.skewSeconds > c.now) return refuse('NOT_YET_VALID');

  // The Key Binding JWT.
  const kb = parts[parts.length - 1];
  const kbParts = kb.split('.');
  if (kbParts.length !== 3 || !kbParts[0] || !kbParts[1] || !kbParts[2]) return refuse('KEY_BINDING_INVALID');
  let kbHeader: unknown;
  let kbPayload: unknown;
  try {
    kbHeader = json(kbParts[0]);
    kbPayload = json(kbParts[1]);
  } catch {
    return refuse('KEY_BINDING_INVALID');
  }
  if (!isObject(kbHeader) || !isObject(kbPayload)) return refuse('KEY_BINDING_INVALID');
  const { alg, typ } = kbHeader;
  const { iat, aud, nonce, sd_hash: sdHash } = kbPayload;
  if (typeof alg !== 'string' || alg === 'none' || typ !== 'kb+jwt') return refuse('KEY_BINDING_INVALID');
  if (typeof iat !== 'number' || !iat || typeof aud !== 'string' || !aud || typeof nonce !== 'string' || !nonce || typeof sdHash !== 'string' || !sdHash) return refuse('KEY_BINDING_INVALID');
  const holderKey = (claims.cnf as { jwk?: unknown } | undefined)?.jwk;
  if (!isObject(holderKey) || typeof holderKey.kty !== 'string') return refuse('KEY_BINDING_INVALID');
  if (!verifySignature(alg, holderKey as Jwk, Buffer.from(`${kbParts[0]}.${kbParts[1]}`, 'ascii'), Buffer.from(kbParts[2], 'base64url'))) return refuse('KEY_BINDING_INVALID');
  const expected = createHash('sha256').update(c.compact.slice(0, c.compact.length - kb.length), 'ascii').digest('base64url');
  if (sdHash !== expected) return refuse('KEY_BINDING_INVALID');
  if (aud !== c.audience) return refuse('KEY_BINDING_INVALID');
  if (Math.abs(c.now - iat) > c.maxAgeSeconds) return refuse('PRESENTATION_EXPIRED');
  return { ok: true, claims, keyBinding: { aud, nonce, iat } };
}
