/**
 * The lean presentation check (presentation.ts, the verification API's hot path) against the
 * library-based reference (@sd-jwt/core + assertDisclosuresReferenced): over valid presentations
 * (flat, nested and array disclosures, each signing algorithm) and every tampered or invalid one
 * below, both engines must give the same answer — the same refusal code and the same checks.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner, generateSigningKey, type Signer } from './crypto/algorithms';
import { issueSdJwtVc, presentSdJwt } from './sd-jwt';
import { verifyPresentation, type TrustResolver, type VerificationResult } from './verifier';

const AUD = 'https://fz.yiwang.example/verify';
const ISS = 'https://fz.yiwang.example/api/licences/issuers/mzj';
const now = Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const sha = (s: string) => createHash('sha256').update(s, 'ascii').digest('base64url');

function trustOf(issuer: Signer): TrustResolver {
  const info = { iss: ISS, name: '福州市民政局', nameEn: 'Fuzhou Civil Affairs Bureau', regionCode: '350100', local: true };
  return { issuerKey: (iss, kid) => (iss !== ISS ? 'untrusted' : kid === issuer.kid ? { jwk: issuer.publicJwk, issuer: info } : 'unknown_key'), statusListToken: () => undefined };
}

/** A Key Binding JWT over `withoutKb` (the presentation up to its last "~"), any field overridable. */
function kbJwt(holder: Signer, withoutKb: string, over: { header?: Record<string, unknown>; payload?: Record<string, unknown>; signer?: Signer } = {}) {
  const header = b64({ alg: holder.alg, typ: 'kb+jwt', ...over.header });
  const payload = b64({ iat: now, aud: AUD, nonce: 'n-1', sd_hash: sha(withoutKb), ...over.payload });
  return `${header}.${payload}.${(over.signer ?? holder).sign(Buffer.from(`${header}.${payload}`, 'ascii')).toString('base64url')}`;
}

async function both(presentation: string, trust: TrustResolver): Promise<VerificationResult> {
  const opts = { trust, audience: AUD, maxPresentationAgeSeconds: 300, now };
  const lean = await verifyPresentation(presentation, opts);
  const library = await verifyPresentation(presentation, { ...opts, engine: 'library' });
  expect(lean).toEqual(library);
  return lean;
}

describe.each(['EdDSA', 'ES256', 'SM2SM3'] as const)('lean presentation check = library check (%s issuer)', (alg) => {
  const issuer = createSigner(generateSigningKey(alg));
  const holder = createSigner(generateSigningKey('EdDSA'));
  const stranger = createSigner(generateSigningKey('EdDSA'));
  const trust = trustOf(issuer);
  const base = {
    iss: ISS,
    vct: 'urn:yiwang:licence:marriage_certificate',
    iat: now - 100,
    exp: now + 86_400,
    cnf: { jwk: holder.publicJwk },
    holderName: '李娜',
    spouseName: '王强',
    registeredOn: '2020-05-20',
    address: { city: '福州市', street: '五四路1号' },
    aliases: ['娜娜', 'Nana'],
  };
  const frame = { _sd: ['holderName', 'spouseName', 'registeredOn', 'address'], address: { _sd: ['street'] }, aliases: { _sd: [0, 1] } };
  const issue = (payload: Record<string, unknown> = base, f: Record<string, unknown> = frame) => issueSdJwtVc(issuer, payload as typeof base, f);
  const present = async (sdjwt: string, fields: Parameters<typeof presentSdJwt>[1]) => presentSdJwt(sdjwt, fields, { signer: holder, aud: AUD, nonce: 'n-1', iat: now });
  /** The presentation without its KB-JWT, and a new KB-JWT for it. */
  const rebind = (p: string, over: Parameters<typeof kbJwt>[2] = {}) => {
    const withoutKb = p.slice(0, p.lastIndexOf('~') + 1);
    return `${withoutKb}${kbJwt(holder, withoutKb, over)}`;
  };

  it('agrees on valid presentations: two fields, none, nested and array elements', async () => {
    const issued = await issue();
    const two = await both(await present(issued, { holderName: true, registeredOn: true }), trust);
    expect(two).toMatchObject({ valid: true, checks: { signature: true, keyBinding: true } });
    expect(two.licence!.disclosed).toEqual({ holderName: '李娜', registeredOn: '2020-05-20', aliases: [] });
    expect((await both(await present(issued, {}), trust)).valid).toBe(true);
    const nested = await both(await present(issued, { address: { street: true }, aliases: { 1: true } }), trust);
    expect(nested.licence!.disclosed).toEqual({ address: { city: '福州市', street: '五四路1号' }, aliases: ['Nana'] });
    // A hand-made KB-JWT (as another wallet would make it) verifies too.
    expect((await both(rebind(await present(issued, { spouseName: true })), trust)).valid).toBe(true);
  });

  it('agrees on every tampered or invalid presentation, with the expected refusal', async () => {
    const issued = await issue();
    const good = await present(issued, { holderName: true, registeredOn: true });
    const parts = good.split('~');
    const [jwt] = parts;
    const [h, p, s] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const all = issued.split('~').slice(1, -1);
    const spouse = all.find((d) => Buffer.from(d, 'base64url').toString().includes('spouseName'))!;
    const holderName = parts[1];
    const [salt] = JSON.parse(Buffer.from(holderName, 'base64url').toString()) as string[];
    const withDisclosures = (ds: string[], over: Parameters<typeof kbJwt>[2] = {}) => rebind(`${jwt}~${ds.join('~')}~x.y.z`, over);
    /** The same licence with its issuer-signed payload changed and signed again by the issuer. */
    const reissued = (extra: Record<string, unknown>) => {
      const input = `${h}.${b64({ ...payload, ...extra })}`;
      return rebind(`${input}.${issuer.sign(Buffer.from(input, 'ascii')).toString('base64url')}~${holderName}~x.y.z`);
    };

    const cases: [string, string, string][] = [
      ['altered issuer payload', [[h, b64({ ...payload, holderName: '张三' }), s].join('.'), ...parts.slice(1)].join('~'), 'SIGNATURE_INVALID'],
      ['altered disclosure value (same salt)', withDisclosures([b64([salt, 'holderName', '张三']), parts[2]]), 'DISCLOSURE_TAMPERED'],
      ['fabricated disclosure', withDisclosures([...parts.slice(1, -1), b64(['c2FsdA', 'spouseName', '王五'])]), 'DISCLOSURE_TAMPERED'],
      ['a disclosure twice', withDisclosures([holderName, holderName]), 'DISCLOSURE_TAMPERED'],
      ['a disclosure that is not JSON', withDisclosures([holderName, 'bm90LWpzb24']), 'DISCLOSURE_TAMPERED'],
      ['a disclosure that is not an array', withDisclosures([holderName, b64({ salt, name: 'x' })]), 'DISCLOSURE_TAMPERED'],
      ['an empty disclosure', `${jwt}~~${holderName}~${kbJwt(holder, `${jwt}~~${holderName}~`)}`, 'DISCLOSURE_TAMPERED'],
      ['a real disclosure added after the holder signed', [...parts.slice(0, -1), spouse, parts[parts.length - 1]].join('~'), 'KEY_BINDING_INVALID'],
      ['no key binding', good.slice(0, good.lastIndexOf('~') + 1), 'KEY_BINDING_INVALID'],
      ['a key binding JWT of two parts', `${good.slice(0, good.lastIndexOf('~') + 1)}${b64({ alg: 'EdDSA', typ: 'kb+jwt' })}.${b64({ iat: now })}`, 'KEY_BINDING_INVALID'],
      ['a key binding JWT whose payload is not JSON', `${good.slice(0, good.lastIndexOf('~') + 1)}${b64({ alg: 'EdDSA', typ: 'kb+jwt' })}.bm9wZQ.c2ln`, 'KEY_BINDING_INVALID'],
      ['key binding signed by another key', rebind(good, { signer: stranger }), 'KEY_BINDING_INVALID'],
      ['key binding signature altered', good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA'), 'KEY_BINDING_INVALID'],
      ['key binding typ not kb+jwt', rebind(good, { header: { typ: 'JWT' } }), 'KEY_BINDING_INVALID'],
      ['key binding alg none', rebind(good, { header: { alg: 'none' } }), 'KEY_BINDING_INVALID'],
      ['key binding alg not the key’s', rebind(good, { header: { alg: 'ES256' } }), 'KEY_BINDING_INVALID'],
      ['key binding without nonce', rebind(good, { payload: { nonce: undefined } }), 'KEY_BINDING_INVALID'],
      ['key binding with a numeric nonce', rebind(good, { payload: { nonce: 12345 } }), 'KEY_BINDING_INVALID'],
      ['key binding without aud', rebind(good, { payload: { aud: undefined } }), 'KEY_BINDING_INVALID'],
      ['key binding for another audience', rebind(good, { payload: { aud: 'https://elsewhere.example/verify' } }), 'KEY_BINDING_INVALID'],
      ['key binding without sd_hash', rebind(good, { payload: { sd_hash: undefined } }), 'KEY_BINDING_INVALID'],
      ['key binding with the old _sd_hash only', rebind(good, { payload: { sd_hash: undefined, _sd_hash: sha(good.slice(0, good.lastIndexOf('~') + 1)) } }), 'KEY_BINDING_INVALID'],
      ['key binding with a wrong sd_hash', rebind(good, { payload: { sd_hash: sha('something else') } }), 'KEY_BINDING_INVALID'],
      ['key binding without iat', rebind(good, { payload: { iat: undefined } }), 'KEY_BINDING_INVALID'],
      ['key binding with a textual iat', rebind(good, { payload: { iat: 'yesterday' } }), 'KEY_BINDING_INVALID'],
      ['key binding too old', rebind(good, { payload: { iat: now - 3600 } }), 'PRESENTATION_EXPIRED'],
      ['key binding from the future', rebind(good, { payload: { iat: now + 3600 } }), 'PRESENTATION_EXPIRED'],
      ['licence issued in the future', reissued({ iat: now + 3600 }), 'NOT_YET_VALID'],
      ['licence not yet valid (nbf)', reissued({ nbf: now + 3600 }), 'NOT_YET_VALID'],
      ['licence expired', reissued({ exp: now - 10 }), 'EXPIRED'],
      ['licence without vct', reissued({ vct: undefined }), 'MALFORMED'],
      ['licence without a holder key', reissued({ cnf: undefined }), 'KEY_BINDING_INVALID'],
      ['licence with another _sd_alg', reissued({ _sd_alg: 'sha-512' }), 'DISCLOSURE_TAMPERED'],
      ['an untrusted issuer', good.replace(p, b64({ ...payload, iss: 'https://evil.example/issuer' })), 'UNTRUSTED_ISSUER'],
      ['an unknown key id', [[b64({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), kid: 'nope' }), p, s].join('.'), ...parts.slice(1)].join('~'), 'UNKNOWN_ISSUER_KEY'],
      ['garbage', 'not~a~presentation~', 'MALFORMED'],
    ];
    for (const [what, presentation, code] of cases) {
      const r = await both(presentation, trust).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
      expect(r.reason?.code, what).toBe(code);
      expect(r.licence, what).toBeUndefined();
    }
  });
});
