/**
 * Signed tree heads. The signed bytes are RFC 6962 §3.5's TreeHeadSignature:
 *
 *   version (1 byte, 0 = v1) | signature_type (1 byte, 1 = tree_hash) |
 *   timestamp (uint64, ms since the epoch) | tree_size (uint64) | sha256_root_hash (32 bytes)
 *
 * signed with Ed25519 (RFC 8032, pure). The JSON form carries the root hash and signature in
 * base64 and the key id: base64 SHA-256 of the public key's SubjectPublicKeyInfo (RFC 6962's LogID).
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** First line of a log dump (NDJSON: header, {"sth": …} lines, {"index","entry"} lines). */
export const DUMP_FORMAT = 'yiwang-tlog-dump/1';

export interface SignedTreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
  keyId: string;
}

export function treeHeadBytes(treeSize: number, timestamp: number, rootHash: Uint8Array): Buffer {
  if (rootHash.length !== 32) throw new Error('root hash must be 32 bytes');
  const b = Buffer.alloc(2 + 8 + 8 + 32);
  b.writeUInt8(0, 0);
  b.writeUInt8(1, 1);
  b.writeBigUInt64BE(BigInt(timestamp), 2);
  b.writeBigUInt64BE(BigInt(treeSize), 10);
  Buffer.from(rootHash).copy(b, 18);
  return b;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

export function signTreeHead(privateKey: KeyObject, keyId: string, treeSize: number, rootHash: Uint8Array, timestamp = Date.now()): SignedTreeHead {
  const signature = sign(null, treeHeadBytes(treeSize, timestamp, rootHash), privateKey);
  return { treeSize, rootHash: Buffer.from(rootHash).toString('base64'), timestamp, signature: signature.toString('base64'), keyId };
}

/** Checks the signature and the shape; the caller compares the root with what it recomputed. */
export function verifyTreeHead(publicKey: KeyObject, sth: SignedTreeHead): boolean {
  try {
    const root = Buffer.from(sth.rootHash, 'base64');
    if (!Number.isSafeInteger(sth.treeSize) || sth.treeSize < 0 || !Number.isSafeInteger(sth.timestamp) || root.length !== 32) return false;
    if (sth.keyId !== keyIdOf(publicKey)) return false;
    return verify(null, treeHeadBytes(sth.treeSize, sth.timestamp, root), publicKey, Buffer.from(sth.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Accepts the public key as PEM (SPKI) or as a JWK ({kty:'OKP', crv:'Ed25519', x}). */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return createPublicKey({ key: JSON.parse(trimmed), format: 'jwk' });
  return createPublicKey(trimmed);
}
