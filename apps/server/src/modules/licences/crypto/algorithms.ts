/**
 * Issuer signature algorithms as JOSE sees them: keys as JWKs, signatures in JWS form.
 *
 *   EdDSA   Ed25519 (RFC 8037)                       — the default
 *   ES256   ECDSA P-256 with SHA-256 (RFC 7518)       — r || s, 64 bytes
 *   SM2SM3  SM2 with SM3 (GB/T 32918.2, GB/T 32905)  — our name, not IANA-registered
 *
 * SM2SM3: the key is a JWK {kty: "EC", crv: "SM2", x, y[, d]} (coordinates 32 bytes, base64url);
 * the signature over the JWS signing input M is GB/T 32918.2's (r, s) with e = SM3(Z_A || M) and
 * Z_A computed from the public key and the default identifier "1234567812345678" (GB/T 35276),
 * encoded like ES256: r || s, 32 bytes each. A verifier that knows SM2 needs nothing else.
 *
 * Parsed keys are cached as KeyObjects: parsing per signature costs an order of magnitude.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../transparency';
import { sm2GenerateKeyPair, sm2Sign, sm2Verify } from './sm';

export const SIGNING_ALGS = ['EdDSA', 'ES256', 'SM2SM3'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface Jwk extends JsonWebKey {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64u = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');

export function generateSigningKey(alg: SigningAlg): Jwk {
  if (alg === 'SM2SM3') {
    const k = sm2GenerateKeyPair();
    return { kty: 'EC', crv: 'SM2', x: b64u(k.publicKey.subarray(1, 33)), y: b64u(k.publicKey.subarray(33)), d: b64u(k.d) };
  }
  const { privateKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'jwk' }) as Jwk;
}

/** The public members only (a JWK with `d` must never be published). */
export function publicJwk(jwk: Jwk): Jwk {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return pub;
}

export function algOfJwk(jwk: Jwk): SigningAlg {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'SM2') return 'SM2SM3';
  throw new Error(`unsupported key: kty ${jwk.kty}, crv ${jwk.crv}`);
}

/** RFC 7638 thumbprint (SHA-256, base64url): the key id. */
export function jwkThumbprint(jwk: Jwk): string {
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(canonicalJson(members)).digest('base64url');
}

const sm2Point = (jwk: Jwk) => Buffer.concat([Buffer.of(4), unb64u(jwk.x), unb64u(jwk.y)]);

export interface Signer {
  alg: SigningAlg;
  kid: string;
  publicJwk: Jwk;
  sign(data: Uint8Array): Buffer;
}

/** A signer for a private JWK; its KeyObject is parsed once. */
export function createSigner(privateJwk: Jwk, kid = jwkThumbprint(privateJwk)): Signer {
  const alg = algOfJwk(privateJwk);
  const pub = publicJwk(privateJwk);
  if (alg === 'SM2SM3') {
    const d = unb64u(privateJwk.d);
    const point = sm2Point(privateJwk);
    return { alg, kid, publicJwk: pub, sign: (data) => sm2Sign(d, data, { publicKey: point }) };
  }
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' });
  return {
    alg,
    kid,
    publicJwk: pub,
    sign: (data) => (alg === 'EdDSA' ? sign(null, data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

const publicKeys = new Map<string, KeyObject>();
function publicKeyObject(jwk: Jwk): KeyObject {
  const id = `${jwk.kty}.${jwk.crv}.${jwk.x}.${jwk.y ?? ''}`;
  let k = publicKeys.get(id);
  if (!k) {
    k = createPublicKey({ key: publicJwk(jwk), format: 'jwk' });
    if (publicKeys.size > 10_000) publicKeys.clear(); // bounded: verification keys come from trust lists
    publicKeys.set(id, k);
  }
  return k;
}

/** Verifies a JWS-form signature; false (never a throw) for a wrong key, algorithm or signature. */
export function verifySignature(alg: string, jwk: Jwk, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (algOfJwk(jwk) !== alg) return false; // the header's alg must be the key's: no algorithm confusion
    if (alg === 'SM2SM3') return sm2Verify(sm2Point(jwk), data, signature);
    if (alg === 'EdDSA') return verify(null, data, publicKeyObject(jwk), signature);
    return signature.length === 64 && verify('sha256', data, { key: publicKeyObject(jwk), dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
