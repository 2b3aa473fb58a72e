/**
 * Token Status List against draft-ietf-oauth-status-list's examples: the 1-bit and 2-bit lists of
 * §4.1 (bytes and compressed `lst`), the Status List Token of §5.1/§8.2, and the larger test
 * vectors of Appendix C (draft 20: 2^20 entries, 1 and 2 bits, given in CBOR); then signing and
 * reading tokens with each of our algorithms.
 */
import { describe, expect, it } from 'vitest';
import { SIGNING_ALGS, createSigner, generateSigningKey } from './crypto/algorithms';
import { STATUS, StatusList, StatusListError, decodeStatusListToken, emptyStatusList, parseStatusList, readStatusListToken, signStatusListToken } from './status-list';

const ONE_BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
const TWO_BIT = [0b01, 0b10, 0b00, 0b11, 0b00, 0b01, 0b00, 0b01, 0b01, 0b10, 0b11, 0b11];

/** The byte string under "lst" in the draft's CBOR encodings. */
function lstFromCbor(hexText: string): Buffer {
  const cbor = Buffer.from(hexText.replace(/\s+/g, ''), 'hex');
  let i = cbor.indexOf(Buffer.from('636c7374', 'hex')) + 4; // text(3) "lst"
  const head = cbor[i++];
  let len = head - 0x40;
  if (head === 0x58) len = cbor[i++];
  if (head === 0x59) {
    len = cbor.readUInt16BE(i);
    i += 2;
  }
  return cbor.subarray(i, i + len);
}

// Appendix C: indices set, with their status values.
const C_INDICES = [0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345];
const C1 = {
  bits: 1 as const,
  values: C_INDICES.map(() => 1),
  cbor: `a2646269747301636c737458bd78daeddc010dc0200c0041a88249400ad2903e0f4b
    ba00bd93f002beb7a2a2010000a91e09000000000000000000000000000000807296
    04000000000000000000000000000000000000000000000000000000000000000000
    000000000000005c6f4800000000000000fc2c240000000000000000000000be1b12
    000000000000000000ecaa4b000000000000000000000000000000009b0b09000000
    00000000000038de9400000000000000002a30cc010000000080642f0bd8011b`,
};
const C2 = {
  bits: 2 as const,
  values: [0b01, 0b10, 0b01, 0b11, 0b01, 0b01, 0b10, 0b01, 0b01, 0b10, 0b11],
  cbor: `a2646269747302636c737459013d78daeddb310d00211000412ea1a04004fe5520ed
    357c28c81d3312b6df68bc65480000000000406e2101000000000000000000000000
    0000000000000000000000000000000000000040795b020000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    0080f4ba0400000000000000000000000000406d764a000000000000000000000000
    000000000000000000e0922101000000000000000000000000000000000000fc1312
    00000000000000000000000000000000000000000000000000000000000000c0912e
    01000000000000000000000000000000000000c07d4b020000000000000000000000
    00000000a8614a0000000000000000000000406a1fcd60010c`,
};

describe('Token Status List: the draft’s examples', () => {
  it('§4.1: the 1-bit example packs to B9 A3 and compresses to eNrbuRgAAhcBXQ', () => {
    const list = new StatusList(ONE_BIT, 1);
    expect(Buffer.from(list.encodeStatusList()).toString('hex')).toBe('b9a3');
    expect(list.compressStatusList()).toBe('eNrbuRgAAhcBXQ');
    expect(StatusList.decompressStatusList('eNrbuRgAAhcBXQ', 1).statusList).toEqual(ONE_BIT);
  });

  it('§4.1: the 2-bit example packs to C9 44 F9 and compresses to eNo76fITAAPfAgc', () => {
    const list = new StatusList(TWO_BIT, 2);
    expect(Buffer.from(list.encodeStatusList()).toString('hex')).toBe('c944f9');
    expect(list.compressStatusList()).toBe('eNo76fITAAPfAgc');
    expect(StatusList.decompressStatusList('eNo76fITAAPfAgc', 2).statusList.slice(0, 12)).toEqual(TWO_BIT);
  });

  it('§5.1/§8.2: reads the statuses of the example Status List Token', () => {
    // The draft does not publish this token's key, so only its contents can be checked.
    const token =
      'eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.eyJleHAiOjIyOTE3MjAxNzAsImlhdCI6MTY4NjkyMDE3MCwiaXNzIjoiaHR0cHM6Ly9leGFtcGxlLmNvbSIsInN0YXR1c19saXN0Ijp7ImJpdHMiOjEsImxzdCI6ImVOcmJ1UmdBQWhjQlhRIn0sInN1YiI6Imh0dHBzOi8vZXhhbXBsZS5jb20vc3RhdHVzbGlzdHMvMSIsInR0bCI6NDMyMDB9.2lKUUNG503R9htu4aHAYi7vjmr3sgApbfoDvPrl65N3URUO1EYqqQl45Jfzd-Av4QzlKa3oVALpLwOEUOq-U_g';
    const { header, payload } = decodeStatusListToken(token);
    expect(header).toEqual({ alg: 'ES256', kid: '12', typ: 'statuslist+jwt' });
    expect(payload).toMatchObject({ sub: 'https://example.com/statuslists/1', ttl: 43200, exp: 2291720170 });
    const list = parseStatusList(payload);
    expect(ONE_BIT.map((_, i) => list.getStatus(i))).toEqual(ONE_BIT);
  });

  it.each([
    ['C.1 (1 bit)', C1],
    ['C.2 (2 bits)', C2],
  ])('Appendix %s: a 2^20-entry list compresses to the draft’s bytes and reads back', (_n, v) => {
    const expected = lstFromCbor(v.cbor);
    const list = emptyStatusList(2 ** 20, v.bits);
    C_INDICES.forEach((idx, k) => list.setStatus(idx, v.values[k]));
    expect(list.compressStatusList()).toBe(expected.toString('base64url'));
    const read = StatusList.decompressStatusList(expected.toString('base64url'), v.bits);
    expect(read.statusList.length).toBe(2 ** 20);
    expect(C_INDICES.map((i) => read.getStatus(i))).toEqual(v.values);
    expect(read.getStatus(1)).toBe(0);
    expect(read.getStatus(2 ** 20 - 1)).toBe(0);
  });
});

describe.each(SIGNING_ALGS)('status list tokens signed with %s', (alg) => {
  const signer = createSigner(generateSigningKey(alg));
  const resolve = (h: { kid?: string }) => (h.kid === signer.kid ? signer.publicJwk : undefined);
  const sub = 'https://fz.yiwang.example/api/licences/status-lists/1';

  it('signs a token and reads statuses back from it', async () => {
    const list = emptyStatusList(16_384, 2);
    list.setStatus(7, STATUS.INVALID);
    list.setStatus(8, STATUS.SUSPENDED);
    const token = signStatusListToken(list, { sub, ttl: 300, expiresIn: 3600 }, signer);
    expect(decodeStatusListToken(token).header).toEqual({ typ: 'statuslist+jwt', alg, kid: signer.kid });
    const { list: read, payload } = await readStatusListToken(token, resolve, { expectedSub: sub });
    expect([read.getStatus(6), read.getStatus(7), read.getStatus(8)]).toEqual([STATUS.VALID, STATUS.INVALID, STATUS.SUSPENDED]);
    expect(payload).toMatchObject({ sub, ttl: 300 });
  });

  it('refuses an expired token, another list, an unknown key, and a forged list', async () => {
    const list = emptyStatusList(1024, 1);
    const token = signStatusListToken(list, { sub, iat: 1_000, expiresIn: 60 }, signer);
    await expect(readStatusListToken(token, resolve, { now: 2_000 })).rejects.toThrow(/expired/);
    await expect(readStatusListToken(signStatusListToken(list, { sub }, signer), resolve, { expectedSub: `${sub}x` })).rejects.toThrow(/another list/);
    await expect(readStatusListToken(token, () => undefined)).rejects.toBeInstanceOf(StatusListError);
    const [h, , s] = signStatusListToken(list, { sub }, signer).split('.');
    const forged = Buffer.from(JSON.stringify({ sub, status_list: { bits: 1, lst: new StatusList([1, 1, 1, 1, 1, 1, 1, 1], 1).compressStatusList() } })).toString('base64url');
    await expect(readStatusListToken(`${h}.${forged}.${s}`, resolve)).rejects.toThrow(/invalid signature/);
  });
});
