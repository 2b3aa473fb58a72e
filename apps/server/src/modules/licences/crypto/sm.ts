/**
 * 国密 primitives. SM3 (GB/T 32905) and SM4 (GB/T 32907) come from node:crypto (OpenSSL 3), whose
 * implementations are correct. SM2 signatures (GB/T 32918.2) come from sm-crypto-v2: node:crypto
 * on the SM2 curve signs plain ECDSA, without Z_A and with a different equation, which no SM2
 * verifier accepts.
 *
 * An SM2 signature over message M by a key with public point P and distinguishing identifier ID:
 * e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID || a || b || x_G || y_G || x_P || y_P), where ENTL_A
 * is ID's length in bits (2 bytes). Signatures are r || s, 32 bytes each, big-endian.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';

/** The default distinguishing identifier of GB/T 35276-2017 (and GM/T 0009-2012), in UTF-8. */
export const SM2_DEFAULT_ID = '1234567812345678';
/** Order of the SM2 base point (GB/T 32918.5). */
const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

export const sm3 = (data: Uint8Array | string): Buffer => createHash('sm3').update(data).digest();

export type Sm4Mode = 'ecb' | 'cbc';

/** SM4 encryption; PKCS#7 padding unless `padding: false` (then the input must be whole 16-byte blocks). */
export function sm4Encrypt(key: Uint8Array, data: Uint8Array, opts: { mode?: Sm4Mode; iv?: Uint8Array; padding?: boolean } = {}): Buffer {
  const mode = opts.mode ?? 'cbc';
  const c = createCipheriv(`sm4-${mode}`, key, mode === 'ecb' ? null : (opts.iv ?? null));
  c.setAutoPadding(opts.padding ?? true);
  return Buffer.concat([c.update(data), c.final()]);
}

export function sm4Decrypt(key: Uint8Array, data: Uint8Array, opts: { mode?: Sm4Mode; iv?: Uint8Array; padding?: boolean } = {}): Buffer {
  const mode = opts.mode ?? 'cbc';
  const d = createDecipheriv(`sm4-${mode}`, key, mode === 'ecb' ? null : (opts.iv ?? null));
  d.setAutoPadding(opts.padding ?? true);
  return Buffer.concat([d.update(data), d.final()]);
}

export interface Sm2KeyPair {
  /** Private scalar d, 32 bytes. */
  d: Buffer;
  /** Public point, uncompressed: 0x04 || x || y (65 bytes). */
  publicKey: Buffer;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function sm2GenerateKeyPair(): Sm2KeyPair {
  const k = sm2.generateKeyPairHex();
  return { d: Buffer.from(k.privateKey.padStart(64, '0'), 'hex'), publicKey: Buffer.from(k.publicKey, 'hex') };
}

export function sm2PublicKeyOf(d: Uint8Array): Buffer {
  return Buffer.from(sm2.getPublicKeyFromPrivateKey(hex(d)).padStart(130, '0'), 'hex');
}

/** Z_A of GB/T 32918.2 §5.5 for a public key and identifier. */
export function sm2Za(publicKey: Uint8Array, id = SM2_DEFAULT_ID): Buffer {
  return Buffer.from(sm2.getZ(hex(publicKey), id));
}

export interface Sm2SignOptions {
  id?: string;
  /** The signer's public key (saves deriving it from d on every signature). */
  publicKey?: Uint8Array;
  /** A fixed nonce k — ONLY for known-answer tests; reusing k reveals the private key. */
  knownAnswerNonce?: bigint;
}

export function sm2Sign(d: Uint8Array, message: Uint8Array, opts: Sm2SignOptions = {}): Buffer {
  const publicKey = hex(opts.publicKey ?? sm2PublicKeyOf(d));
  const pointPool = opts.knownAnswerNonce === undefined ? undefined : [knownPoint(opts.knownAnswerNonce)];
  const sig = sm2.doSignature(message, hex(d), { hash: true, publicKey, userId: opts.id ?? SM2_DEFAULT_ID, pointPool });
  return Buffer.from(sig, 'hex');
}

function knownPoint(k: bigint) {
  const kG = sm2.getPublicKeyFromPrivateKey(k.toString(16).padStart(64, '0'));
  return { k, x1: BigInt(`0x${kG.slice(2, 66)}`) };
}

/** Verification per GB/T 32918.2 §7, including the range checks on r and s the library omits. */
export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, opts: { id?: string } = {}): boolean {
  if (signature.length !== 64 || publicKey.length !== 65 || publicKey[0] !== 4) return false;
  const r = BigInt(`0x${hex(signature.subarray(0, 32))}`);
  const s = BigInt(`0x${hex(signature.subarray(32))}`);
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  try {
    return sm2.doVerifySignature(message, hex(signature), hex(publicKey), { hash: true, userId: opts.id ?? SM2_DEFAULT_ID });
  } catch {
    return false; // not a point on the curve
  }
}
