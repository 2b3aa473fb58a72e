/**
 * Message signatures between the platform and a payment provider, in the style of the Chinese
 * payment gateways (UnionPay, Alipay, WeChat Pay v2, the provincial non-tax platforms): the
 * parameters are sorted by name (ASCII), empty values and the signature itself are left out, and
 * the rest is joined as `k1=v1&k2=v2…`; that string is what is signed.
 *
 * - Provider → platform (asynchronous notifications, query answers, statements): **Ed25519**
 *   signatures by the provider's private key; the platform holds only the public key, so whoever
 *   reads the platform's configuration still cannot forge a "paid" notification. Real providers
 *   use RSA-SHA256 or SM2-with-SM3 here; an adapter for one swaps this function, not the protocol.
 * - Platform → provider (create, query, close, refund, statement): **HMAC-SHA256** with the
 *   merchant key (商户密钥), a shared secret, as WeChat Pay v2 and many bank gateways do.
 *
 * Nested values (a list of refunds in a query answer) enter the string as their JSON text.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { safeEqual } from '../../shared/crypto';

export type Params = Record<string, unknown>;

/** The string that is signed: sorted `k=v` pairs without `sign`, `sign_type` or empty values. */
export function canonicalString(params: Params): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type')
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .sort()
    .map((k) => {
      const v = params[k];
      return `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    })
    .join('&');
}

/** HMAC-SHA256 of the canonical string with the merchant key, upper-case hex (as WeChat Pay v2). */
export function hmacSign(params: Params, key: string): string {
  return createHmac('sha256', key).update(canonicalString(params), 'utf8').digest('hex').toUpperCase();
}

export function hmacVerify(params: Params, key: string): boolean {
  const sent = params.sign;
  return typeof sent === 'string' && safeEqual(sent, hmacSign(params, key));
}

/** Ed25519 signature of the canonical string, base64. */
export function edSign(params: Params, privateKey: KeyObject): string {
  return sign(null, Buffer.from(canonicalString(params), 'utf8'), privateKey).toString('base64');
}

export function edVerify(params: Params, publicKey: KeyObject): boolean {
  const sent = params.sign;
  if (typeof sent !== 'string' || params.sign_type !== 'ED25519') return false;
  try {
    return verify(null, Buffer.from(canonicalString(params), 'utf8'), publicKey, Buffer.from(sent, 'base64'));
  } catch {
    return false;
  }
}

/** Ed25519 over raw bytes (statement files). */
export function edSignBytes(data: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(data, 'utf8'), privateKey).toString('base64');
}

export function edVerifyBytes(data: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(data, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export function newEd25519(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export const privateKeyFrom = (b64: string): KeyObject => createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });

/** A public key given as base64 SPKI DER or as PEM. */
export function publicKeyFrom(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return createPublicKey(t);
  return createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
}
