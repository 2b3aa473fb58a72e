/**
 * The exchange's cryptography, on node:crypto only:
 * - the node's response-signing key (Ed25519), kept in node_meta sealed by the field crypto, and
 *   batch signatures over response bodies' exact bytes (one JWS per batch, a Merkle path per body);
 * - client assertions (RFC 7523 private_key_jwt): EdDSA or ES256 compact JWS verified against the
 *   client's registered public JWK;
 * - the exchange's own short-lived access tokens (HS256 JWT with a key derived from DATA_SECRET),
 *   verified without a database read.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Db } from '../../db/database';
import { sha256, type FieldCrypto } from '../../shared/crypto';
import { BatchSigner, inSignedBatch, type BatchProof } from '../transparency';

const KEY_META = 'exchange.signing_key';
export const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, string>;
}

export async function loadSigningKey(db: Db, crypto: FieldCrypto): Promise<SigningKey> {
  const read = async () => (await db.selectFrom('node_meta').select('value').where('key', '=', KEY_META).executeTakeFirst())?.value as { kid: string; publicKeyPem: string; privateKeySealed: string } | undefined;
  let stored = await read();
  if (!stored) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const candidate = {
      kid: jwkThumbprint(jwk),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeySealed: crypto.encrypt(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    };
    await db.insertInto('node_meta').values({ key: KEY_META, value: JSON.stringify(candidate) }).onConflict((oc) => oc.column('key').doNothing()).execute();
    stored = (await read())!;
  }
  const publicKey = createPublicKey(stored.publicKeyPem);
  return {
    kid: stored.kid,
    publicKey,
    privateKey: createPrivateKey(crypto.decrypt(stored.privateKeySealed)),
    jwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: stored.kid, alg: 'EdDSA', use: 'sig' },
  };
}

/** RFC 7638 thumbprint of an OKP or EC public JWK. */
export function jwkThumbprint(jwk: Record<string, string>): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return sha256(JSON.stringify(members));
}

/**
 * Signs response bodies in batches (transparency/batch-signer.ts): the bodies ready in one turn of
 * the event loop are the leaves of a Merkle tree whose head { iat, root, size } is signed once as a
 * compact JWS (typ yiwang-exchange-batch+jws); each response carries that JWS and its own
 * inclusion path, and a consumer checks it with verifyBatchSigned.
 */
export class ResponseSigner {
  private readonly header: string;
  readonly batches: BatchSigner;
  constructor(readonly key: SigningKey) {
    this.header = b64u(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: 'yiwang-exchange-batch+jws' }));
    this.batches = new BatchSigner((head) => {
      const payload = b64u(JSON.stringify({ iat: Math.floor(Date.now() / 1000), ...head }));
      return `${this.header}.${payload}.${b64u(sign(null, Buffer.from(`${this.header}.${payload}`), this.key.privateKey))}`;
    });
  }

  /** The signature (x-exchange-signature) and this body's inclusion proof (x-exchange-proof, JSON) of `body`. */
  async sign(body: Buffer | string): Promise<{ signature: string; proof: string }> {
    const { signature, proof } = await this.batches.sign(Buffer.from(body));
    return { signature, proof: JSON.stringify(proof) };
  }

  /** The same for `bodies` signed together as one batch, at once (the group commit's answers). */
  async signAll(bodies: readonly string[]): Promise<{ signature: string; proofs: string[] }> {
    const { signature, proofs } = await this.batches.signNow(bodies.map((b) => Buffer.from(b)));
    return { signature, proofs: proofs.map((p) => JSON.stringify(p)) };
  }
}

/** What a consumer does with /api/exchange/keys: the batch head's signature, and the body's path to its root. */
export function verifyBatchSigned(jws: string, proofHeader: string, body: Buffer | string, publicKey: KeyObject): boolean {
  try {
    const [h, p, s] = jws.split('.');
    if (!h || !p || !s || JSON.parse(Buffer.from(h, 'base64url').toString()).alg !== 'EdDSA') return false;
    if (!verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return false;
    return inSignedBatch(Buffer.from(body), JSON.parse(proofHeader) as BatchProof, JSON.parse(Buffer.from(p, 'base64url').toString()));
  } catch {
    return false;
  }
}

// ---- client assertions (RFC 7523) ----------------------------------------------------------------

export interface JwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

export function parseJwt(token: string): JwtParts | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return null;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString()),
      payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString()),
      signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return null;
  }
}

export function publicKeyFromJwk(jwk: Record<string, string>): KeyObject | null {
  try {
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x && !jwk.d) return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y && !jwk.d) return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return null;
  }
  return null;
}

export function verifyJwtSignature(parts: JwtParts, alg: 'EdDSA' | 'ES256', key: KeyObject): boolean {
  try {
    if (alg === 'EdDSA') return verify(null, parts.signingInput, key, parts.signature);
    return verify('sha256', parts.signingInput, { key, dsaEncoding: 'ieee-p1363' }, parts.signature);
  } catch {
    return false;
  }
}

/** For clients (tests, the benchmark, the demo): a signed client assertion. */
export function signClientAssertion(privateJwk: Record<string, string>, claims: { iss: string; aud: string; jti: string; exp?: number; iat?: number }): string {
  const alg = privateJwk.kty === 'EC' ? 'ES256' : 'EdDSA';
  const now = Math.floor(Date.now() / 1000);
  const header = b64u(JSON.stringify({ alg, typ: 'JWT', kid: privateJwk.kid }));
  const payload = b64u(JSON.stringify({ iss: claims.iss, sub: claims.iss, aud: claims.aud, jti: claims.jti, iat: claims.iat ?? now, exp: claims.exp ?? now + 120 }));
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const sig = alg === 'EdDSA' ? sign(null, Buffer.from(`${header}.${payload}`), key) : sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64u(sig)}`;
}

// ---- access tokens ---------------------------------------------------------------------------------

export interface AccessClaims {
  /** api_clients.id */
  sub: string;
  /** client_id */
  cid: string;
  exp: number;
  iat: number;
  jti: string;
}

export class AccessTokens {
  private readonly key: Buffer;
  private readonly header = b64u(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' }));
  constructor(crypto: FieldCrypto) {
    this.key = Buffer.from(crypto.lookupHash('exchange access token key v1'), 'base64url');
  }
  issue(claims: AccessClaims): string {
    const payload = b64u(JSON.stringify({ iss: 'yiwang-exchange', ...claims }));
    const mac = createHmac('sha256', this.key).update(`${this.header}.${payload}`).digest();
    return `${this.header}.${payload}.${b64u(mac)}`;
  }
  /**
   * Tokens already verified (a system calls with the same token until it expires): the MAC and
   * the claims are checked once, the expiry on every call. Bounded; the oldest entries go first.
   */
  private readonly verified = new Map<string, AccessClaims>();

  verify(token: string, nowSec = Math.floor(Date.now() / 1000)): AccessClaims | null {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp > nowSec) return known;
      this.verified.delete(token);
      return null;
    }
    const claims = this.check(token, nowSec);
    if (claims) {
      if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private check(token: string, nowSec: number): AccessClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== this.header) return null;
    const mac = createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== mac.length || !timingSafeEqual(given, mac)) return null;
    try {
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as AccessClaims & { iss: string };
      if (claims.iss !== 'yiwang-exchange' || typeof claims.exp !== 'number' || claims.exp <= nowSec) return null;
      return claims;
    } catch {
      return null;
    }
  }
}
