/**
 * The offline verifier command: with only the trust list (and optionally a cached status list) it
 * accepts a good presentation, reports an unchecked status honestly, refuses a revoked one given a
 * fresh status list, refuses a tampered trust list or one signed by another key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { enterprises } from '../../demo/data';
import { personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { main } from './verify-cli';

describe('offline licence verifier', () => {
  let app: FastifyInstance;
  let holder: Client;
  const dir = mkdtempSync(join(tmpdir(), 'lic-cli-'));
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await main(argv, (l) => lines.push(l));
    return { code, text: lines.join('\n'), json: (() => { try { return JSON.parse(lines.join('\n')); } catch { return null; } })() };
  };

  beforeAll(async () => {
    app = await testApp('pglite');
    await app.services.transparency.stop();
    const rc = enterprises.find((e) => e.name.includes('榕城'))!;
    holder = await personLogin(app, rc.legalRep.idNumber, { type: 'enterprise', uscc: rc.uscc });
  });
  afterAll(async () => app?.close());

  it('verifies with the trust list alone, and sees a revocation in a fresh status list', async () => {
    const lic = (await holder.req('GET', '/api/licences/wallet')).json().find((l: { type: string }) => l.type === 'business_licence');
    const p = (await holder.req('POST', `/api/licences/wallet/${lic.id}/presentations`, { fields: ['name', 'creditCode'] })).json();
    const pres = join(dir, 'p.txt');
    writeFileSync(pres, p.presentation);
    const trustList = join(dir, 'trust.json');
    writeFileSync(trustList, (await app.inject({ method: 'GET', url: '/api/licences/trust-list' })).body);
    const nodeKey = join(dir, 'node-key.json');
    writeFileSync(nodeKey, (await app.inject({ method: 'GET', url: '/api/licences/node-key' })).body);

    const ok = await run(pres, '--trust-list', trustList, '--node-key', nodeKey);
    expect(ok.code, ok.text).toBe(0);
    expect(ok.json).toMatchObject({ valid: true, trustList: { signature: 'verified' }, checks: { status: 'unchecked' }, licence: { disclosed: { name: enterprises.find((e) => e.name.includes('榕城'))!.name } } });
    expect(Object.keys(ok.json.licence.disclosed).sort()).toEqual(['creditCode', 'name']);
    expect((await run(pres, '--trust-list', trustList, '--require-status')).json.reason.code).toBe('STATUS_UNAVAILABLE');

    const uri = JSON.parse(Buffer.from(p.presentation.split('.')[1], 'base64url').toString()).status.status_list.uri as string;
    const status = join(dir, 'status.jwt');
    writeFileSync(status, (await app.inject({ method: 'GET', url: new URL(uri).pathname })).body);
    expect((await run(pres, '--trust-list', trustList, '--status-list', status)).json.checks.status).toBe('valid');

    const decider = await staffLogin(app, 'scjg.decider');
    await decider.req('POST', `/api/licences/${lic.id}/status`, { action: 'revoke', reason: '吊销（测试）' });
    writeFileSync(status, (await app.inject({ method: 'GET', url: new URL(uri).pathname })).body);
    const revoked = await run(pres, '--trust-list', trustList, '--status-list', status);
    expect(revoked.code).toBe(1);
    expect(revoked.json).toMatchObject({ valid: false, status: 'revoked', reason: { code: 'REVOKED' } });
    expect(revoked.json.licence).toBeUndefined();

    // A trust list with an issuer slipped in fails its signature; an expired presentation is refused.
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/api/licences/trust-list' })).body);
    const [h, pl, s] = doc.token.split('.');
    const payload = JSON.parse(Buffer.from(pl, 'base64url').toString());
    payload.issuers.push({ iss: 'https://evil.example', name: 'x', nameEn: 'x', regionCode: '000000', keys: [] });
    writeFileSync(trustList, JSON.stringify({ token: [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.') }));
    expect((await run(pres, '--trust-list', trustList, '--node-key', nodeKey)).code).toBe(2);
    writeFileSync(trustList, JSON.stringify(doc));
    const later = new Date(Date.now() + 3600_000).toISOString();
    expect((await run(pres, '--trust-list', trustList, '--at', later)).json.reason.code).toBe('PRESENTATION_EXPIRED');
    expect((await run('--trust-list', trustList)).code).toBe(2);
  });
});
