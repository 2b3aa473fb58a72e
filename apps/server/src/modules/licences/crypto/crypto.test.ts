/**
 * 国密 and JOSE primitives on the standards' own vectors:
 * - SM3, GB/T 32905-2016 Appendix A: "abc" and the 512-bit message "abcd" × 16;
 * - SM4, GB/T 32907-2016 Appendix A: example 1 (one block) and example 2 (1,000,000 encryptions);
 * - SM2, GB/T 32918.5-2017 Appendix A (recommended curve): the digital signature example with its
 *   key, ID "1234567812345678", message "message digest" and nonce k — Z_A, e, and (r, s);
 * and our algorithms (EdDSA, ES256, SM2SM3) through JWKs and compact JWS.
 */
import { createCipheriv, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNING_ALGS, algOfJwk, createSigner, generateSigningKey, jwkThumbprint, publicJwk, verifySignature, type Jwk } from './algorithms';
import { decodeJws, signJws, verifyJws } from './jws';
import { SM2_DEFAULT_ID, sm2PublicKeyOf, sm2Sign, sm2Verify, sm2Za, sm3, sm4Decrypt, sm4Encrypt } from './sm';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('SM3 (GB/T 32905-2016 Appendix A)', () => {
  it('hashes "abc"', () => {
    expect(hex(sm3('abc'))).toBe('66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0');
  });
  it('hashes the 512-bit message', () => {
    expect(hex(sm3('abcd'.repeat(16)))).toBe('DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732');
  });
});

describe('SM4 (GB/T 32907-2016 Appendix A)', () => {
  const key = h('01234567 89abcdef fedcba98 76543210');
  it('example 1: one block', () => {
    const c = sm4Encrypt(key, key, { mode: 'ecb', padding: false });
    expect(hex(c)).toBe('681EDF34D206965E86B3E94F536E4246');
    expect(sm4Decrypt(key, c, { mode: 'ecb', padding: false })).toEqual(key);
  });
  it('example 2: the same block encrypted 1,000,000 times', () => {
    let block = key;
    const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    for (let i = 0; i < 1_000_000; i++) block = c.update(block);
    expect(hex(block)).toBe('595298C7C6FD271F0402F804C33D3F66');
  });
  it('CBC with padding round-trips', () => {
    const iv = Buffer.alloc(16, 9);
    const msg = Buffer.from('电子证照 e-licence');
    expect(sm4Decrypt(key, sm4Encrypt(key, msg, { iv }), { iv }).toString()).toBe('电子证照 e-licence');
  });
});

describe('SM2 signature (GB/T 32918.5-2017 Appendix A)', () => {
  const d = h('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8');
  const P = h(`04
    09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020
    CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13`);
  const M = Buffer.from('message digest');
  const k = BigInt('0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21');
  const rs = h(`F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3
                B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA`);

  it('derives the public key, Z_A and e of the example', () => {
    expect(sm2PublicKeyOf(d)).toEqual(P);
    const za = sm2Za(P, SM2_DEFAULT_ID);
    expect(hex(za)).toBe('B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3');
    expect(hex(sm3(Buffer.concat([za, M])))).toBe('F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640');
  });

  it('reproduces the signature (r, s) with the example nonce, and verifies it', () => {
    expect(sm2Sign(d, M, { knownAnswerNonce: k })).toEqual(rs);
    expect(sm2Verify(P, M, rs)).toBe(true);
  });

  it('refuses another message, another ID, a flipped bit, and r or s out of range', () => {
    expect(sm2Verify(P, Buffer.from('message digesT'), rs)).toBe(false);
    expect(sm2Verify(P, M, rs, { id: 'ALICE123@YAHOO.COM' })).toBe(false);
    const flipped = Buffer.from(rs);
    flipped[40] ^= 1;
    expect(sm2Verify(P, M, flipped)).toBe(false);
    expect(sm2Verify(P, M, Buffer.concat([Buffer.alloc(32), rs.subarray(32)]))).toBe(false);
    expect(sm2Verify(P, M, Buffer.concat([rs.subarray(0, 32), h('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123')]))).toBe(false);
    expect(sm2Verify(Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)]), M, rs)).toBe(false); // not a curve point
  });

  it('signs with random nonces that verify (and differ)', () => {
    const a = sm2Sign(d, M, { publicKey: P });
    const b = sm2Sign(d, M, { publicKey: P });
    expect(a.equals(b)).toBe(false);
    expect(sm2Verify(P, M, a) && sm2Verify(P, M, b)).toBe(true);
  });

  it("is not what node:crypto signs on the SM2 curve (plain ECDSA), which an SM2 verifier refuses", () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const point = publicKey.export({ type: 'spki', format: 'der' }).subarray(-65); // 04 || x || y
    const ecdsa = sign('sm3', M, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verify('sm3', M, { key: publicKey, dsaEncoding: 'ieee-p1363' }, ecdsa)).toBe(true); // valid ECDSA …
    expect(sm2Verify(point, M, ecdsa)).toBe(false); // … but not an SM2 signature
  });
});

describe('issuer signature algorithms as JOSE', () => {
  it.each(SIGNING_ALGS)('%s: generates a JWK, signs, verifies, and refuses tampering and algorithm confusion', (alg) => {
    const jwk = generateSigningKey(alg);
    expect(algOfJwk(jwk)).toBe(alg);
    const pub = publicJwk(jwk);
    expect(pub.d).toBeUndefined();
    expect(jwkThumbprint(pub)).toBe(jwkThumbprint(jwk));
    const signer = createSigner(jwk);
    const data = Buffer.from('eyJhbGciOi.payload');
    const sig = signer.sign(data);
    expect(sig.length).toBe(64);
    expect(verifySignature(alg, pub, data, sig)).toBe(true);
    expect(verifySignature(alg, pub, Buffer.from('eyJhbGciOi.payloaD'), sig)).toBe(false);
    for (const other of SIGNING_ALGS.filter((a) => a !== alg)) expect(verifySignature(other, pub, data, sig)).toBe(false);
    expect(verifySignature('none', pub, data, Buffer.alloc(0))).toBe(false);
  });

  it('computes the RFC 7638 thumbprint of the RFC’s own example key', () => {
    const rfc7638 = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    };
    // RFC 7638 §3.1: NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs — computed over {e, kty, n} for RSA;
    // our thumbprint covers the EC/OKP members, so check the same construction on that input.
    const canonical = `{"e":"${rfc7638.e}","kty":"RSA","n":"${rfc7638.n}"}`;
    expect(createHash('sha256').update(canonical).digest('base64url')).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    const ec = { kty: 'EC', crv: 'P-256', x: 'b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ', y: 'Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8' };
    expect(jwkThumbprint(ec)).toBe(createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${ec.x}","y":"${ec.y}"}`).digest('base64url'));
  });

  it.each(SIGNING_ALGS)('%s: compact JWS round trip, refusing an unknown key or altered payload', async (alg) => {
    const signer = createSigner(generateSigningKey(alg));
    const token = signJws({ typ: 'example+jwt' }, { hello: '世界' }, signer);
    expect(decodeJws(token).header).toEqual({ typ: 'example+jwt', alg, kid: signer.kid });
    const ok = await verifyJws(token, (hd) => (hd.kid === signer.kid ? signer.publicJwk : undefined));
    expect(ok.payload).toEqual({ hello: '世界' });
    await expect(verifyJws(token, () => undefined)).rejects.toThrow(/unknown signing key/);
    const [a, , c] = token.split('.');
    const forged = `${a}.${Buffer.from('{"hello":"world"}').toString('base64url')}.${c}`;
    await expect(verifyJws(forged, () => signer.publicJwk)).rejects.toThrow(/invalid signature/);
  });
});
