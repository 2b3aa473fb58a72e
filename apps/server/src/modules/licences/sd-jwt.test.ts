/**
 * SD-JWT against RFC 9901's own examples — the disclosure hashing examples of §4.2.3, the
 * issuance of §5.1 (issuer-signed JWT and its ten disclosures, signed with the key of Appendix
 * A.5), the presentation of §5.2 with its Key Binding JWT — and SD-JWT VC licences issued,
 * selectively presented and verified with each of our algorithms, SM2SM3 included.
 */
import { describe, expect, it } from 'vitest';
import { Disclosure } from '@sd-jwt/utils';
import { SIGNING_ALGS, createSigner, generateSigningKey, type Jwk } from './crypto/algorithms';
import { SdJwtError, issueSdJwtVc, presentSdJwt, sha256Hasher, verifySdJwt } from './sd-jwt';
import { STATUS, emptyStatusList, signStatusListToken } from './status-list';

const hash = { hasher: sha256Hasher, alg: 'sha-256' };

// RFC 9901 Appendix A.5: the issuer key of all examples (public part), and the holder key of §5 (cnf).
const RFC_ISSUER: Jwk = { kty: 'EC', crv: 'P-256', x: 'b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ', y: 'Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8' };

// RFC 9901 §5.1: the Issuer-signed JWT …
const RFC_JWT = [
  'eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBbIkNyUWU3UzVrcUJBSHQtbk1ZWGdjNmJkdDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZ',
  'akg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN0VQWWxTRSIsICJQb3JGYnBLdVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1',
  'SlFhSHlLVlFaVTlVZEdFMHc1cnREc3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tBTmtxVlI2eVoyVmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242Q0pEYzZ2',
  'Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRFIiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFrb2I5aFYxY1JEMEFUTjNvUUw5Sk0iLCAianN1OXlWdWx3UVFsaEZsTV8zSmx6TWFTRnpn',
  'bGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUuY29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjog',
  'InVzZXJfNDIiLCAibmF0aW9uYWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0sIHsiLi4uIjogIjdDZjZKa1B1',
  'ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxnIjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0y',
  'NTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbERsczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlG',
  'MkhaUSJ9fX0.MczwjBFGtzf-6WMT-hIvYbkb11NrV1WMO-jTijpMPNbswNzZ87wY2uHz-CXo6R04b7jYrpj9mNRAvVssXou1iw',
].join('');
// … and its Disclosures: [claim, disclosure, SHA-256 digest, contents].
const RFC_DISCLOSURES: [string, string, string, unknown[]][] = [
  ['given_name', 'WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd', 'jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4', ['2GLC42sKQveCfGfryNRN9w', 'given_name', 'John']],
  ['family_name', 'WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd', 'TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo', ['eluV5Og3gSNII8EYnsxA_A', 'family_name', 'Doe']],
  ['email', 'WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ', 'JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE', ['6Ij7tM-a5iVPGboS5tmvVA', 'email', 'johndoe@example.com']],
  ['phone_number', 'WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ', 'PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI', ['eI8ZWm9QnKPpNPeNenHdhQ', 'phone_number', '+1-202-555-0101']],
  ['phone_number_verified', 'WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd', 'XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM', ['Qg_O64zqAxe412a108iroA', 'phone_number_verified', true]],
  [
    'address',
    'WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMifV0',
    'XzFrzwscM6Gn6CJDc6vVK8BkMnfG8vOSKfpPIZdAfdE',
    ['AJx-095VPrpTtN4QMOqROA', 'address', { street_address: '123 Main St', locality: 'Anytown', region: 'Anystate', country: 'US' }],
  ],
  ['birthdate', 'WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0', 'gbOsI4Edq2x2Kw-w5wPEzakob9hV1cRD0ATN3oQL9JM', ['Pc33JM2LchcU_lHggv_ufQ', 'birthdate', '1940-01-01']],
  ['updated_at', 'WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInVwZGF0ZWRfYXQiLCAxNTcwMDAwMDAwXQ', 'CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI', ['G02NSrQfjFXQ7Io09syajA', 'updated_at', 1570000000]],
  ['nationalities[US]', 'WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0', 'pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo', ['lklxF5jMYlGTPUovMNIvCA', 'US']],
  ['nationalities[DE]', 'WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0', '7Cf6JkPudry3lcbwHgeZ8khAv1U1OSlerP0VkBJrWZ0', ['nPuoQnkRFq3BIeAm7AnXFA', 'DE']],
];
const disclosure = (claim: string) => RFC_DISCLOSURES.find(([c]) => c === claim)![1];
// RFC 9901 §5.2: the Key Binding JWT of the presentation disclosing family_name, address, given_name and one nationality.
const RFC_KB_JWT =
  'eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3NDg1MzcyNDQsICJzZF9oYXNoIjogIjBfQWYtMkItRWhMV1g1eWRoX3cyeHp3bU82aU02NkJfMlFDRWFuSTRmVVkifQ.T3SIus2OidNl41nmVkTZVCKKhOAX97aOldMyHFiYjHm261eLiJ1YiuONFiMN8QlCmYzDlBLAdPvrXh52KaLgUQ';
const RFC_PRESENTATION = `${RFC_JWT}~${['family_name', 'address', 'given_name', 'nationalities[US]'].map(disclosure).join('~')}~${RFC_KB_JWT}`;
const trustRfcIssuer = () => RFC_ISSUER;

describe('RFC 9901 examples', () => {
  it('§4.2.3: hashes Disclosures over their base64url text', async () => {
    expect(await (await Disclosure.fromEncode('WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0', hash)).digest(hash)).toBe('uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY');
    expect(await (await Disclosure.fromEncode('WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0', hash)).digest(hash)).toBe('w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs');
    // §4.2.1: equivalent encodings of the same claim value decode alike.
    for (const d of ['WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0', 'WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd', 'WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd'])
      expect((await Disclosure.fromEncode(d, hash)).decode()).toEqual(['_26bc4LT-ac6q2KI6cBW5es', 'family_name', 'Möbius']);
  });

  it.each(RFC_DISCLOSURES)('§5.1: the %s Disclosure decodes and hashes as the RFC lists', async (_claim, encoded, digest, contents) => {
    const d = await Disclosure.fromEncode(encoded, hash);
    expect(d.decode()).toEqual(contents);
    expect(await d.digest(hash)).toBe(digest);
  });

  it('§5.1: verifies the issued SD-JWT with all Disclosures and recovers the input claim set', async () => {
    const all = `${RFC_JWT}~${RFC_DISCLOSURES.map(([, d]) => d).join('~')}~`;
    const { claims, header } = await verifySdJwt(all, { resolveIssuerKey: trustRfcIssuer, now: 1_700_000_000 });
    expect(header).toEqual({ alg: 'ES256', typ: 'example+sd-jwt' });
    expect(claims).toEqual({
      iss: 'https://issuer.example.com',
      iat: 1683000000,
      exp: 1883000000,
      sub: 'user_42',
      cnf: { jwk: { kty: 'EC', crv: 'P-256', x: 'TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc', y: 'ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ' } },
      given_name: 'John',
      family_name: 'Doe',
      email: 'johndoe@example.com',
      phone_number: '+1-202-555-0101',
      phone_number_verified: true,
      address: { street_address: '123 Main St', locality: 'Anytown', region: 'Anystate', country: 'US' },
      birthdate: '1940-01-01',
      updated_at: 1570000000,
      nationalities: ['US', 'DE'],
    });
  });

  it('§5.2: verifies the presentation and its Key Binding JWT; only the chosen claims are disclosed', async () => {
    const kb = { nonce: '1234567890', aud: 'https://verifier.example.org', maxAgeSeconds: 60 };
    const { claims, keyBinding } = await verifySdJwt(RFC_PRESENTATION, { resolveIssuerKey: trustRfcIssuer, keyBinding: kb, now: 1748537244 });
    expect(keyBinding).toEqual({ nonce: '1234567890', aud: 'https://verifier.example.org', iat: 1748537244 });
    expect(claims).toMatchObject({ family_name: 'Doe', given_name: 'John', nationalities: ['US'], address: { locality: 'Anytown' } });
    for (const hidden of ['email', 'phone_number', 'phone_number_verified', 'birthdate', 'updated_at']) expect(claims).not.toHaveProperty(hidden);
  });

  it.each([
    ['another nonce', RFC_PRESENTATION, { nonce: 'replayed', aud: 'https://verifier.example.org' }, 1748537244, 'KEY_BINDING'],
    ['another audience', RFC_PRESENTATION, { nonce: '1234567890', aud: 'https://other.example' }, 1748537244, 'KEY_BINDING'],
    ['a stale key binding', RFC_PRESENTATION, { nonce: '1234567890', aud: 'https://verifier.example.org' }, 1748537244 + 3600, 'KEY_BINDING'],
    ['a Disclosure added after key binding', RFC_PRESENTATION.replace(`~${RFC_KB_JWT}`, `~${disclosure('email')}~${RFC_KB_JWT}`), { nonce: '1234567890', aud: 'https://verifier.example.org' }, 1748537244, 'KEY_BINDING'],
    ['a missing key binding', `${RFC_JWT}~${disclosure('given_name')}~`, { nonce: '1234567890', aud: 'https://verifier.example.org' }, 1748537244, 'KEY_BINDING'],
    ['an altered Disclosure', `${RFC_JWT}~${Buffer.from('["2GLC42sKQveCfGfryNRN9w", "given_name", "Jane"]').toString('base64url')}~`, undefined, 1748537244, 'INVALID'],
    ['an altered issuer signature', `${RFC_JWT.slice(0, -4)}AAAA~`, undefined, 1748537244, 'INVALID'],
  ])('refuses %s', async (_name, token, kb, now, reason) => {
    const err = await verifySdJwt(token, { resolveIssuerKey: trustRfcIssuer, keyBinding: kb, now }).catch((e) => e);
    expect(err).toBeInstanceOf(SdJwtError);
    expect((err as SdJwtError).reason).toBe(reason);
  });

  it('refuses an issuer it does not trust', async () => {
    const err = await verifySdJwt(`${RFC_JWT}~`, { resolveIssuerKey: () => undefined }).catch((e) => e);
    expect((err as SdJwtError).reason).toBe('UNKNOWN_ISSUER_KEY');
    const other = createSigner(generateSigningKey('ES256')).publicJwk;
    expect(((await verifySdJwt(`${RFC_JWT}~`, { resolveIssuerKey: () => other }).catch((e) => e)) as SdJwtError).reason).toBe('INVALID');
  });
});

describe.each(SIGNING_ALGS)('SD-JWT VC licences signed with %s', (alg) => {
  const issuer = createSigner(generateSigningKey(alg));
  const holder = createSigner(generateSigningKey('ES256'));
  const now = Math.floor(Date.now() / 1000);
  const licence = {
    iss: 'https://fz.yiwang.example/api/licences/issuers/FZ-SCJGJ',
    vct: 'urn:yiwang:licence:business-licence',
    iat: now,
    exp: now + 3600,
    cnf: { jwk: holder.publicJwk },
    uscc: '91350100M000100Y43',
    name: '福州榕城餐饮管理有限公司',
    legal_representative: '张伟',
    registered_capital: '100万元',
    address: { province: '福建省', city: '福州市', street: '鼓楼区五四路1号' },
  };
  const trust = (h: Record<string, unknown>) => (h.kid === issuer.kid ? issuer.publicJwk : undefined);

  it('issues with every licence field selectively disclosable, presents two of them, and the verifier sees exactly those', async () => {
    const issued = await issueSdJwtVc(issuer, licence, { _sd: ['uscc', 'name', 'legal_representative', 'registered_capital', 'address'] });
    const header = JSON.parse(Buffer.from(issued.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg, typ: 'dc+sd-jwt', kid: issuer.kid });
    expect(issued.split('~').length - 2).toBe(5);

    const presented = await presentSdJwt(issued, { name: true, uscc: true }, { signer: holder, aud: 'https://verifier.example', nonce: 'n-1' });
    const v = await verifySdJwt(presented, { resolveIssuerKey: trust, vc: true, keyBinding: { nonce: 'n-1', aud: 'https://verifier.example' } });
    expect(v.claims).toMatchObject({ name: '福州榕城餐饮管理有限公司', uscc: '91350100M000100Y43', vct: licence.vct });
    for (const hidden of ['legal_representative', 'registered_capital', 'address']) expect(v.claims).not.toHaveProperty(hidden);
  });

  it('refuses a licence whose signature or disclosed value was altered', async () => {
    const issued = await issueSdJwtVc(issuer, licence, { _sd: ['name'] });
    const [jwt, d] = issued.split('~');
    const salt = JSON.parse(Buffer.from(d, 'base64url').toString())[0];
    const forgedDisclosure = Buffer.from(JSON.stringify([salt, 'name', '某某公司'])).toString('base64url');
    expect(((await verifySdJwt(`${jwt}~${forgedDisclosure}~`, { resolveIssuerKey: trust, vc: true }).catch((e) => e)) as SdJwtError).reason).toBe('INVALID');
    const [h, p, s] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, exp: payload.exp + 10 * 365 * 86400 })).toString('base64url');
    expect(((await verifySdJwt(`${h}.${forgedPayload}.${s}~`, { resolveIssuerKey: trust, vc: true }).catch((e) => e)) as SdJwtError).reason).toBe('INVALID');
  });

  it('reads the licence status from the issuer-signed status list it references', async () => {
    const list = emptyStatusList(1024, 2);
    const uri = 'https://fz.yiwang.example/api/licences/status-lists/1';
    const issued = await issueSdJwtVc(issuer, { ...licence, status: { status_list: { idx: 42, uri } } }, { _sd: ['name'] });
    const check = async () =>
      (await verifySdJwt(issued, { resolveIssuerKey: trust, vc: true, fetchStatusList: async (u) => (u === uri ? signStatusListToken(list, { sub: uri, ttl: 300 }, issuer) : '') })).status;
    expect(await check()).toEqual({ value: 0, name: 'valid' });
    list.setStatus(42, STATUS.SUSPENDED);
    expect(await check()).toEqual({ value: 2, name: 'suspended' });
    list.setStatus(42, STATUS.INVALID);
    expect(await check()).toEqual({ value: 1, name: 'invalid' });
    const impostor = createSigner(generateSigningKey(alg));
    const forged = verifySdJwt(issued, { resolveIssuerKey: trust, vc: true, fetchStatusList: async () => signStatusListToken(emptyStatusList(1024, 2), { sub: uri }, impostor) });
    await expect(forged).rejects.toThrow(/Status List JWT verification failed/);
  });
});
