/** Batch signatures: one signature per batch, every answer provable on its own, nothing else is. */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BatchSigner, inSignedBatch } from './batch-signer';

describe('BatchSigner', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const heads: { root: string; size: number }[] = [];
  const signer = new BatchSigner((head) => {
    heads.push(head);
    return `${Buffer.from(JSON.stringify(head)).toString('base64url')}.${sign(null, Buffer.from(JSON.stringify(head)), privateKey).toString('base64url')}`;
  });
  const open = (token: string) => {
    const [h, s] = token.split('.');
    const head = Buffer.from(h, 'base64url');
    expect(verify(null, head, publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    return JSON.parse(head.toString()) as { root: string; size: number };
  };

  it.each([1, 2, 3, 7, 64, 100])('signs %i answers given in one turn with one signature; each proves its own bytes only', async (n) => {
    const before = heads.length;
    const answers = Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ answer: i, valid: i % 2 === 0 })));
    const signed = await Promise.all(answers.map((a) => signer.sign(a)));
    expect(heads.length - before).toBe(1);
    expect(new Set(signed.map((s) => s.signature)).size).toBe(1);
    const head = open(signed[0].signature);
    expect(head.size).toBe(n);
    signed.forEach((s, i) => {
      expect(s.proof).toMatchObject({ index: i, size: n });
      expect(inSignedBatch(answers[i], s.proof, head)).toBe(true);
      expect(inSignedBatch(Buffer.from(`${answers[i].toString()} `), s.proof, head)).toBe(false);
      if (n > 1) expect(inSignedBatch(answers[(i + 1) % n], s.proof, head)).toBe(false);
      expect(inSignedBatch(answers[i], { ...s.proof, size: n + 1 }, head)).toBe(false);
      expect(inSignedBatch(answers[i], { ...s.proof, path: [...s.proof.path, s.proof.path[0] ?? 'AAAA'] }, head)).toBe(false);
    });
  });

  it('answers of different turns get different batches; a failing signer rejects its batch only', async () => {
    const a = await signer.sign(Buffer.from('a'));
    const b = await signer.sign(Buffer.from('b'));
    expect(a.signature).not.toBe(b.signature);
    const failing = new BatchSigner(() => {
      throw new Error('key unavailable');
    });
    await expect(failing.sign(Buffer.from('x'))).rejects.toThrow('key unavailable');
  });
});
