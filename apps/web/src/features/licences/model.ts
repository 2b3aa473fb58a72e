/** E-licence API calls and types (wallet, presentations, public verification). */
import { get, post } from '../../api';

export interface Localized {
  zh: string;
  en: string;
}

export interface WalletLicence {
  id: string;
  type: string;
  typeName: Localized;
  number: string;
  holderName: string;
  issuer: { id: string; name: string; nameEn: string };
  status: 'valid' | 'suspended' | 'revoked' | 'expired';
  statusLabel: Localized;
  statusReason: string | null;
  validFrom: string;
  validUntil: string | null;
  issuedAt: string;
  fields: { key: string; zh: string; en: string; value: string | number | boolean; sensitive: boolean }[];
  defaultFields: string[];
}

export interface Presentation {
  id: string;
  url: string;
  qrSvg: string;
  expiresAt: string;
  fields: string[];
  presentation: string;
}

export interface VerificationResult {
  valid: boolean;
  status: 'valid' | 'suspended' | 'revoked' | 'expired' | 'refused';
  reason?: { code: string; zh: string; en: string };
  licence?: {
    type: string;
    typeName: Localized;
    issuer: { iss: string; name: string; nameEn: string; regionCode: string; local: boolean };
    alg: string;
    issuedAt: string | null;
    validUntil: string | null;
    disclosed: Record<string, unknown>;
    fieldLabels: Record<string, Localized>;
  };
  checks: { signature: boolean | null; issuerTrusted: boolean | null; notExpired: boolean | null; status: string | null; keyBinding: boolean | null };
}

export interface SignedVerification {
  result: VerificationResult;
  receipt: { id: string; at: string; leafHash: string; batchIndex: number };
  /** The node key's JWS over the head { iss, iat, root, size } of the batch this answer was signed in. */
  signature: string;
  /** This answer's inclusion path in that batch (leaf = SHA-256(0x00 || canonical JSON of { result, receipt })). */
  proof: { index: number; size: number; path: string[] };
}

export interface LicenceUse {
  id: string;
  at: string;
  licence: { id: string; type: string; typeName: Localized; number: string };
  usedBy: { department: string; departmentEn: string; name: string };
  purpose: { applicationNo?: string; itemName?: string; material?: string };
  outcome: 'resolved' | 'unavailable';
  reason: string | null;
}

export const licencesApi = {
  wallet: () => get<WalletLicence[]>('/api/licences/wallet'),
  one: (id: string) => get<WalletLicence>(`/api/licences/wallet/${id}`),
  present: (id: string, fields: string[]) => post<Presentation>(`/api/licences/wallet/${id}/presentations`, { fields }),
  uses: () => get<LicenceUse[]>('/api/licences/uses'),
  presentation: (id: string) => get<SignedVerification & { presentation: string }>(`/api/licences/presentations/${id}`),
  verify: (presentation: string) => post<SignedVerification>('/api/licences/verify', { presentation }),
};

export const pick = (l: Localized | undefined, lang: string) => (l ? (lang.startsWith('zh') ? l.zh : l.en) : '');
