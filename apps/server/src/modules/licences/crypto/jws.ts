/**
 * Compact JWS (RFC 7515) with our algorithms, for the tokens we sign outside SD-JWT (status
 * lists). `jose` cannot be used for these: it knows no SM2.
 */
import { verifySignature, type Jwk, type Signer } from './algorithms';

export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [k: string]: unknown;
}

const enc = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

export function signJws(header: Omit<JwsHeader, 'alg'>, payload: Record<string, unknown>, signer: Signer): string {
  const input = `${enc({ ...header, alg: signer.alg, kid: header.kid ?? signer.kid })}.${enc(payload)}`;
  return `${input}.${signer.sign(Buffer.from(input, 'ascii')).toString('base64url')}`;
}

export class JwsError extends Error {}

export function decodeJws(token: string): { header: JwsHeader; payload: Record<string, unknown>; signingInput: string; signature: Buffer } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwsError('not a compact JWS');
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    throw new JwsError('malformed JWS');
  }
}

/** Verifies with the key the resolver picks for the header (by kid); throws JwsError when it fails. */
export async function verifyJws(token: string, resolveKey: (header: JwsHeader) => Promise<Jwk | undefined> | Jwk | undefined) {
  const jws = decodeJws(token);
  const key = await resolveKey(jws.header);
  if (!key) throw new JwsError(`unknown signing key ${jws.header.kid ?? ''}`);
  if (!verifySignature(jws.header.alg, key, Buffer.from(jws.signingInput, 'ascii'), jws.signature)) throw new JwsError('invalid signature');
  return { header: jws.header, payload: jws.payload };
}
