/**
 * IETF Token Status List (draft-ietf-oauth-status-list): a bit array, `bits` per licence, packed
 * least-significant bit first, DEFLATE/ZLIB-compressed at the highest level and base64url-encoded
 * as `lst`; published as a JWT of type "statuslist+jwt" signed by the issuer. The list itself is
 * @sd-jwt/jwt-status-list's; signing uses our algorithms (so SM2SM3 works too).
 */
import { StatusList, type BitsPerStatus } from '@sd-jwt/jwt-status-list';
import type { Jwk, Signer } from './crypto/algorithms';
import { decodeJws, signJws, verifyJws, type JwsHeader } from './crypto/jws';

export { StatusList, type BitsPerStatus };

/** Status values registered by the draft; 0x03 and above are application-specific. */
export const STATUS = { VALID: 0, INVALID: 1, SUSPENDED: 2 } as const;
export type StatusName = 'valid' | 'invalid' | 'suspended';
export const STATUS_NAMES: Record<number, StatusName> = { 0: 'valid', 1: 'invalid', 2: 'suspended' };
export const STATUS_LIST_TYP = 'statuslist+jwt';

/** A list of `size` entries, all VALID. */
export function emptyStatusList(size: number, bits: BitsPerStatus): StatusList {
  return new StatusList(new Array<number>(size).fill(0), bits);
}

export interface StatusListClaims {
  /** The URI the token is served at; referenced tokens point here (`status.status_list.uri`). */
  sub: string;
  iss?: string;
  iat?: number;
  /** Seconds until the token expires; verifiers must not use it after `exp`. */
  expiresIn?: number;
  /** Seconds a verifier may cache the token: this bounds how late a revocation is seen. */
  ttl?: number;
}

export function signStatusListToken(list: StatusList, claims: StatusListClaims, signer: Signer): string {
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  return signJws(
    { typ: STATUS_LIST_TYP },
    {
      sub: claims.sub,
      ...(claims.iss ? { iss: claims.iss } : {}),
      iat,
      ...(claims.expiresIn ? { exp: iat + claims.expiresIn } : {}),
      ...(claims.ttl ? { ttl: claims.ttl } : {}),
      status_list: { bits: list.getBitsPerStatus(), lst: list.compressStatusList() },
    },
    signer,
  );
}

export class StatusListError extends Error {}

/**
 * Verifies a status list token (signature, type, expiry, and — when given — that it is the list
 * the referenced token points to) and returns the list.
 */
export async function readStatusListToken(
  token: string,
  resolveKey: (header: JwsHeader) => Promise<Jwk | undefined> | Jwk | undefined,
  opts: { expectedSub?: string; now?: number } = {},
): Promise<{ list: StatusList; payload: Record<string, unknown> }> {
  const { header, payload } = await verifyJws(token, resolveKey).catch((err: Error) => {
    throw new StatusListError(`status list token: ${err.message}`);
  });
  if (header.typ !== STATUS_LIST_TYP) throw new StatusListError('not a statuslist+jwt token');
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (typeof payload.exp === 'number' && payload.exp < now) throw new StatusListError('status list token has expired');
  if (opts.expectedSub !== undefined && payload.sub !== opts.expectedSub) throw new StatusListError('status list token is for another list');
  return { list: parseStatusList(payload), payload };
}

/** The list inside a token's payload, without checking the signature (decodeJws for the payload). */
export function parseStatusList(payload: Record<string, unknown>): StatusList {
  const sl = payload.status_list as { bits?: number; lst?: string } | undefined;
  if (!sl || ![1, 2, 4, 8].includes(sl.bits ?? 0) || typeof sl.lst !== 'string') throw new StatusListError('no valid status_list claim');
  return StatusList.decompressStatusList(sl.lst, sl.bits as BitsPerStatus);
}

export const decodeStatusListToken = (token: string) => decodeJws(token);
