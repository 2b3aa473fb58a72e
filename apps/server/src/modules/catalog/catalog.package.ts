/**
 * Catalog packages (一地创新、多地复用): items, bundles and their processes as a signed,
 * versioned JSON document that another region imports. Department references travel as
 * department codes (ids mean nothing elsewhere); region codes as they are, remapped on import.
 *
 * Signature: Ed25519 (node:crypto) over the canonical JSON (keys sorted, no spaces) of the whole
 * package without its `signature` member. The signer's public key travels in the package and
 * its key id is the SHA-256 of the key (SubjectPublicKeyInfo DER); an importer who wants more
 * than integrity pins the exporting node's key id (GET /api/catalog/signing-key there).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../transparency/entry';
import type { BundleContent, ItemContent } from './catalog.schemas';

export const PACKAGE_FORMAT = 'yiwang.catalog.package';
export const PACKAGE_FORMAT_VERSION = 1;
/** Largest package accepted for import (bytes of JSON) and most entries. */
export const PACKAGE_MAX_BYTES = 4 * 1024 * 1024;
export const PACKAGE_MAX_ITEMS = 500;
export const PACKAGE_MAX_BUNDLES = 50;

export interface PackageDepartment {
  code: string;
  name: string;
  kind: string;
  regionCode: string;
}

/** Item content with department ids replaced by codes. */
export type PackagedItem = { ref: string; sourceVersion: number; content: Record<string, unknown> };
export type PackagedBundle = { ref: string; sourceVersion: number; content: Record<string, unknown> };

export interface CatalogPackage {
  format: typeof PACKAGE_FORMAT;
  formatVersion: number;
  id: string;
  name: string;
  version: string;
  createdAt: string;
  source: { node: string; regionCode: string };
  departments: PackageDepartment[];
  items: PackagedItem[];
  bundles: PackagedBundle[];
  signature: { alg: 'Ed25519'; keyId: string; publicKey: string; value: string };
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyDer: string;
}

/** Canonical JSON (RFC 8785 key order): the transparency log's, one encoder for every signature of the platform. */
export { canonicalJson };

export const keyIdOf = (spkiDer: Buffer) => createHash('sha256').update(spkiDer).digest('base64url');

export function newSigningKey(): { privatePkcs8: string; publicSpki: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicSpki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export function loadSigningKey(stored: { privatePkcs8: string; publicSpki: string }): SigningKey {
  const der = Buffer.from(stored.publicSpki, 'base64');
  return {
    keyId: keyIdOf(der),
    privateKey: createPrivateKey({ key: Buffer.from(stored.privatePkcs8, 'base64'), format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: der, format: 'der', type: 'spki' }),
    publicKeyDer: stored.publicSpki,
  };
}

export function signPackage(body: Omit<CatalogPackage, 'signature'>, key: SigningKey): CatalogPackage {
  const value = sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64url');
  return { ...body, signature: { alg: 'Ed25519', keyId: key.keyId, publicKey: key.publicKeyDer, value } };
}

export type VerifyResult = { ok: true; keyId: string } | { ok: false; reason: string };

export function verifyPackage(pkg: Record<string, unknown>): VerifyResult {
  const sig = pkg.signature as Record<string, unknown> | undefined;
  if (!sig || sig.alg !== 'Ed25519' || typeof sig.publicKey !== 'string' || typeof sig.value !== 'string' || typeof sig.keyId !== 'string')
    return { ok: false, reason: 'signature missing or not Ed25519' };
  try {
    const der = Buffer.from(sig.publicKey, 'base64');
    if (keyIdOf(der) !== sig.keyId) return { ok: false, reason: 'key id does not match the public key' };
    const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
    const { signature: _s, ...body } = pkg;
    const ok = verify(null, Buffer.from(canonicalJson(body)), publicKey, Buffer.from(sig.value, 'base64url'));
    return ok ? { ok: true, keyId: sig.keyId } : { ok: false, reason: 'signature does not verify: the package was changed after signing' };
  } catch (e) {
    return { ok: false, reason: `signature unreadable: ${(e as Error).message}` };
  }
}

// ---- department references ------------------------------------------------------------------

/** Every department reference in item content, mapped (ids → codes on export, codes → ids on import). */
export function mapItemDepartments(c: ItemContent, f: (ref: string, field: string) => string): ItemContent {
  return {
    ...c,
    departmentId: f(c.departmentId, 'departmentId'),
    process: {
      ...c.process,
      stages: c.process.stages.map((s, i) => ({
        ...s,
        ...(s.department ? { department: f(s.department, `process/stages/${i}/department`) } : {}),
        ...(s.departments ? { departments: s.departments.map((d, j) => f(d, `process/stages/${i}/departments/${j}`)) } : {}),
      })),
    },
  };
}

export function mapItemRegions(c: ItemContent, f: (code: string) => string): ItemContent {
  return {
    ...c,
    ...(c.regionCode ? { regionCode: f(c.regionCode) } : {}),
    crossProvince: { ...c.crossProvince, regions: c.crossProvince.regions.map(f) },
  };
}

export function mapBundleRefs(b: BundleContent, dept: (ref: string, field: string) => string, item: (ref: string) => string, region: (code: string) => string): BundleContent {
  return {
    ...b,
    leadDepartmentId: dept(b.leadDepartmentId, 'leadDepartmentId'),
    ...(b.regionCode ? { regionCode: region(b.regionCode) } : {}),
    items: b.items.map((i) => ({ ...i, itemId: item(i.itemId) })),
    dependencies: b.dependencies.map((d) => ({ ...d, from: item(d.from), to: item(d.to) })),
    fieldMap: b.fieldMap.map((m) => ({ ...m, itemId: item(m.itemId) })),
  };
}

/** Top-level fields whose values differ (for the import preview). */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown>): string[] {
  if (!before) return Object.keys(after).sort();
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k])).sort();
}
