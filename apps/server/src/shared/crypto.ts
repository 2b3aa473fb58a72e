/**
 * Small cryptographic helpers shared by modules: field encryption for sensitive columns
 * (AES-256-GCM), keyed lookup hashes (HMAC-SHA-256, so an ID number can be found without being
 * stored in clear), random tokens and plain digests.
 */
import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes, randomUUID, timingSafeEqual, type BinaryLike } from 'node:crypto';

export interface FieldCrypto {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Deterministic keyed hash for lookups and uniqueness of sensitive values. */
  lookupHash(value: string): string;
}

export function fieldCrypto(secret: string): FieldCrypto {
  const master = Buffer.from(secret, 'utf8');
  const encKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'yiwang field encryption v1', 32));
  const mac = hmacSha256(Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'yiwang lookup hash v1', 32)));
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `v1.${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('unknown field encryption version');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const d = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
    lookupHash(value) {
      return mac(value).toString('base64url');
    },
  };
}

/**
 * A time-ordered UUID (RFC 9562 version 7: 48 bits of Unix milliseconds, then 74 random bits), for
 * rows written at a high rate whose key is indexed: new keys land at the right edge of the primary
 * key's B-tree instead of on random pages (fewer pages touched and logged per insert). It tells
 * when it was made, so only for rows that carry their time anyway (receipts).
 */
export function timeOrderedUuid(ms = Date.now()): string {
  // The time part once per millisecond (a number printed in hexadecimal is a slow path of V8's).
  if (ms !== uuidTime.ms) {
    const t = ms.toString(16).padStart(12, '0');
    uuidTime.ms = ms;
    uuidTime.prefix = `${t.slice(0, 8)}-${t.slice(8, 12)}-7`;
  }
  const r = randomUUID(); // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx: keep its random bits and variant
  return uuidTime.prefix + r.slice(15);
}
const uuidTime = { ms: -1, prefix: '' };

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** SHA-256, base64url. One call of `crypto.hash`: no Hash object and stream machinery per digest (about half the cost on hot paths). */
export const sha256 = (s: BinaryLike): string => hash('sha256', s, 'base64url');
/** SHA-256, raw bytes (one call, as `sha256`). */
export const sha256Bytes = (s: BinaryLike): Buffer => hash('sha256', s, 'buffer');

/**
 * HMAC-SHA-256 with a fixed key (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))) as two one-shot hashes
 * with the padded keys prepared once. Same result as `createHmac('sha256', key)`, without creating
 * an HMAC context (and importing the key) for every message: the keyed hash of every data call and
 * every access-token check runs through it.
 */
export function hmacSha256(key: Uint8Array): (data: string | Uint8Array) => Buffer {
  const k = Buffer.alloc(64);
  Buffer.from(key.length > 64 ? sha256Bytes(key) : key).copy(k);
  const ipad = Buffer.from(k.map((b) => b ^ 0x36));
  const opad = Buffer.from(k.map((b) => b ^ 0x5c));
  return (data) => {
    const m = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const inner = sha256Bytes(Buffer.concat([ipad, m], 64 + m.length));
    return sha256Bytes(Buffer.concat([opad, inner], 96));
  };
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
