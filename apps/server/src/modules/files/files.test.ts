import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_KINDS, personLogin, staffLogin, tableCounts, testApp, type Client, expectProblem } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { detect, ofdProblem } from './files.content';
import { infectedPdf, multipartBody, sampleJpeg, sampleOfd, samplePdf, samplePng, zip } from './files.fixtures';
import { cleanName } from './files.service';

const MAX = 100_000;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('content detection', () => {
  it('recognises each accepted kind by its bytes', () => {
    expect(detect(samplePdf()).mediaType).toBe('application/pdf');
    expect(detect(samplePng()).mediaType).toBe('image/png');
    expect(detect(sampleJpeg()).mediaType).toBe('image/jpeg');
    expect(detect(sampleOfd()).mediaType).toBe('application/ofd');
  });
  it('knows an OFD from any other ZIP, and a truncated PDF from a whole one', () => {
    expect(ofdProblem(zip([{ name: 'word/document.xml', data: '<w:document/>' }]))).toMatch(/without OFD\.xml/);
    expect(ofdProblem(zip([{ name: 'Doc/OFD.xml', data: '<ofd:OFD/>' }]))).toMatch(/without OFD\.xml/); // not at the root
    expect(ofdProblem(zip([{ name: 'OFD.xml', data: '<?xml version="1.0"?><html/>' }]))).toMatch(/root element/);
    expect(ofdProblem(zip([{ name: 'OFD.xml', data: '<OFD Version="1.1"></OFD>', deflate: true }]))).toBeNull();
    expect(ofdProblem(sampleOfd().subarray(0, 60))).toMatch(/end of central directory/);
    expect(detect(samplePdf().subarray(0, 40))).toMatchObject({ mediaType: null, note: expect.stringMatching(/end-of-file/) });
    expect(detect(Buffer.from('MZ\x90\x00 an executable')).mediaType).toBeNull();
  });
  it('cleans names: no path, no control characters', () => {
    expect(cleanName('C:\\Users\\张伟\\身份证.pdf')).toBe('身份证.pdf');
    expect(cleanName('../../etc/\u0007x.png')).toBe('x.png');
    expect(cleanName(`${'长'.repeat(300)}.pdf`)).toMatch(/^长{196}\.pdf$/);
  });
});

describe.each(DB_KINDS)('materials storage on %s', (kind) => {
  let app: FastifyInstance;
  let dataDir: string;
  let zhang: Client;
  let lina: Client;
  let agent: Client;
  let officer: Client;
  const blobs = () => {
    const root = join(dataDir, 'files');
    if (!existsSync(root)) return [] as string[];
    return readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  };
  const upload = (c: Client | null, file: Parameters<typeof multipartBody>[0], extraHeaders: Record<string, string> = {}) => {
    const { payload, contentType } = multipartBody(file);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (c) Object.assign(headers, { cookie: c.cookie, 'x-csrf-token': c.csrf });
    Object.assign(headers, extraHeaders);
    return app.inject({ method: 'POST', url: '/api/files', headers, payload });
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'yw-files-'));
    app = await testApp(kind, { DATA_DIR: dataDir, FILES_MAX_BYTES: MAX, FILES_VIRUS_SCANNER: 'eicar' });
    zhang = await personLogin(app, people.find((p) => p.name === '张伟')!.idNumber);
    lina = await personLogin(app, people.find((p) => p.name === '李娜')!.idNumber);
    agent = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    const principal = agent.me.options.principals[0];
    expect((await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id })).statusCode).toBe(200);
    officer = await staffLogin(app, 'scjg.window');
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts PDF, JPEG, PNG and OFD by content, stored content-addressed and audited', async () => {
    const samples = [
      { filename: '营业执照.pdf', contentType: 'application/pdf', data: samplePdf('accept'), mediaType: 'application/pdf' },
      { filename: 'photo.JPG', contentType: 'image/jpeg', data: sampleJpeg('accept'), mediaType: 'image/jpeg' },
      { filename: 'scan.png', contentType: 'application/octet-stream', data: samplePng('accept'), mediaType: 'image/png' },
      { filename: '出生医学证明.ofd', contentType: 'application/octet-stream', data: sampleOfd('accept'), mediaType: 'application/ofd' },
    ];
    for (const s of samples) {
      const res = await upload(zhang, s);
      expect(res.statusCode, res.body).toBe(201);
      const f = res.json();
      expect(f).toMatchObject({ sha256: sha(s.data), size: s.data.length, mediaType: s.mediaType, originalName: s.filename });
      const path = join(dataDir, 'files', f.sha256.slice(0, 2), f.sha256.slice(2, 4), f.sha256);
      expect(statSync(path).size).toBe(s.data.length);
      const audit = await app.database.db.selectFrom('audit_log').selectAll().where('entity_id', '=', f.id).executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ action: 'files.upload', actor_id: zhang.me.account.id });
    }
    const mine = (await zhang.req('GET', '/api/files')).json();
    expect(mine.total).toBe(4);
    expect(mine.items.map((f: { originalName: string }) => f.originalName)).toContain('出生医学证明.ofd');
    expect((await lina.req('GET', '/api/files')).json().total).toBe(0);
  });

  it('dedupes the blob, not the record', async () => {
    const data = samplePdf('dedupe');
    const before = blobs().length;
    const a = (await upload(zhang, { filename: 'a.pdf', contentType: 'application/pdf', data })).json();
    const b = (await upload(lina, { filename: 'b.pdf', contentType: 'application/pdf', data })).json();
    const c = (await upload(zhang, { filename: 'c.pdf', contentType: 'application/pdf', data })).json();
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(new Set([a.sha256, b.sha256, c.sha256])).toEqual(new Set([sha(data)]));
    expect(blobs().length).toBe(before + 1);
    const rows = await app.database.db.selectFrom('files').selectAll().where('sha256', '=', sha(data)).execute();
    expect(rows.map((r) => r.owner_id).sort()).toEqual([zhang.me.account.id, zhang.me.account.id, lina.me.account.id].sort());
  });

  it('lets only the owner download, until another module grants access', async () => {
    const data = samplePng('private');
    const f = (await upload(zhang, { filename: '户口簿 首页.png', contentType: 'image/png', data })).json();
    const own = await zhang.req('GET', `/api/files/${f.id}`);
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(data)).toBe(true);
    expect(own.headers).toMatchObject({ 'content-type': 'image/png', 'x-content-type-options': 'nosniff', 'cache-control': 'private, no-store' });
    expect(own.headers['content-disposition']).toBe(`attachment; filename="___ __.png"; filename*=UTF-8''${encodeURIComponent('户口簿 首页.png')}`);
    expect((await zhang.req('GET', `/api/files/${f.id}?disposition=inline`)).headers['content-disposition']).toMatch(/^inline;/);
    // Anyone else: not found (its existence is not theirs to learn).
    expectProblem(await lina.req('GET', `/api/files/${f.id}`), 404, 'NOT_FOUND', 'params/id');
    expectProblem(await officer.req('GET', `/api/files/${f.id}`), 404, 'NOT_FOUND');
    const officerActor = { ...officer.me.account, accountId: officer.me.account.id, departmentId: officer.me.account.department.id, actingAs: null, actingFor: null, amr: [], scopes: [] };
    expect(await app.services.files.canRead(officerActor, f.id)).toBe(false);
    expect(await app.services.files.canRead({ ...officerActor, accountId: zhang.me.account.id }, f.id)).toBe(true);
    expectProblem(await app.inject({ method: 'GET', url: `/api/files/${f.id}` }), 401, 'UNAUTHENTICATED');
    // The applications module's hook: officers of the handling department may read what is cited.
    const dept = officer.me.account.department.id;
    app.services.files.policy.allowRead((actor, file) => actor.departmentId === dept && file.id === f.id);
    const granted = await officer.req('GET', `/api/files/${f.id}`);
    expect(granted.statusCode).toBe(200);
    expect(granted.rawPayload.equals(data)).toBe(true);
    expectProblem(await lina.req('GET', `/api/files/${f.id}`), 404, 'NOT_FOUND');
  });

  it('an agent uploads for the principal: the principal owns it, the agent acting for themselves does not', async () => {
    const f = (await upload(agent, { filename: '委托材料.pdf', contentType: 'application/pdf', data: samplePdf('agent') })).json();
    const row = await app.database.db.selectFrom('files').selectAll().where('id', '=', f.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(agent.me.options.principals[0].id);
    expect(row.uploaded_by).toBe(agent.me.account.id);
    expect((await agent.req('GET', `/api/files/${f.id}`)).statusCode).toBe(200);
    const principal = await personLogin(app, people.find((p) => p.name === '王秀英')!.idNumber);
    expect((await principal.req('GET', `/api/files/${f.id}`)).statusCode).toBe(200);
    const self = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    expect((await self.req('GET', `/api/files/${f.id}`)).statusCode).toBe(404);
  });

  describe('bad input: a clear refusal, nothing changed', () => {
    const png = samplePng('bad');
    const cases: [string, () => Promise<LightMyRequestResponse>, number, string, string?][] = [
      ['a .pdf that is really a PNG', () => upload(zhang, { filename: 'contract.pdf', contentType: 'application/pdf', data: png }), 400, 'FILE_TYPE_MISMATCH', 'body/file'],
      ['a PNG declared as application/pdf', () => upload(zhang, { filename: 'scan.png', contentType: 'application/pdf', data: png }), 400, 'FILE_TYPE_MISMATCH', 'body/file'],
      ['a JPEG named .png', () => upload(zhang, { filename: 'scan.png', contentType: 'application/octet-stream', data: sampleJpeg('bad') }), 400, 'FILE_TYPE_MISMATCH', 'body/file'],
      ['wrong magic bytes', () => upload(zhang, { filename: 'report.pdf', contentType: 'application/pdf', data: Buffer.from('this is plain text, not a PDF') }), 400, 'FILE_CONTENT_INVALID', 'body/file'],
      ['a ZIP without OFD.xml named .ofd', () => upload(zhang, { filename: 'doc.ofd', contentType: 'application/ofd', data: zip([{ name: 'word/document.xml', data: '<w/>' }]) }), 400, 'FILE_CONTENT_INVALID', 'body/file'],
      ['an unknown type', () => upload(zhang, { filename: 'setup.exe', contentType: 'application/x-msdownload', data: Buffer.from('MZ\x90\x00') }), 415, 'FILE_TYPE_UNSUPPORTED', 'body/file'],
      ['a name without an extension', () => upload(zhang, { filename: 'scan', contentType: 'image/png', data: png }), 415, 'FILE_TYPE_UNSUPPORTED', 'body/file'],
      ['an empty file', () => upload(zhang, { filename: 'empty.pdf', contentType: 'application/pdf', data: Buffer.alloc(0) }), 400, 'FILE_EMPTY', 'body/file'],
      ['a file over the limit (streamed)', () => upload(zhang, { filename: 'big.pdf', contentType: 'application/pdf', data: Buffer.concat([samplePdf('big'), Buffer.alloc(MAX)]) }), 413, 'FILE_TOO_LARGE', 'body/file'],
      ['a request far over the limit (by its length)', () => upload(zhang, { filename: 'huge.pdf', contentType: 'application/pdf', data: Buffer.alloc(MAX * 3) }), 413, 'FILE_TOO_LARGE', 'body/file'],
      ['the EICAR test virus', () => upload(zhang, { filename: 'infected.pdf', contentType: 'application/pdf', data: infectedPdf() }), 422, 'FILE_INFECTED', 'body/file'],
      ['no file part', () => upload(zhang, null), 400, 'FILE_MISSING', 'body/file'],
      ['a file under another field name', () => upload(zhang, { field: 'attachment', filename: 'a.png', contentType: 'image/png', data: png }), 400, 'FILE_MISSING', 'body/file'],
      ['JSON instead of multipart', () => zhang.req('POST', '/api/files', { file: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header/content-type'],
      ['a missing CSRF token', () => upload(zhang, { filename: 'a.png', contentType: 'image/png', data: png }, { 'x-csrf-token': '' }), 403, 'CSRF_TOKEN_INVALID'],
      ['no credentials', () => upload(null, { filename: 'a.png', contentType: 'image/png', data: png }), 401, 'UNAUTHENTICATED'],
      ['a malformed id', () => zhang.req('GET', '/api/files/not-a-uuid'), 400, 'VALIDATION_FAILED', 'params/id'],
    ];
    it.each(cases)('refuses %s', async (_name, send, status, code, field) => {
      const before = await tableCounts(app);
      const blobsBefore = blobs().sort();
      expectProblem(await send(), status, code, field);
      expect(await tableCounts(app)).toEqual(before);
      expect(blobs().sort()).toEqual(blobsBefore);
    });

    it('refuses a truncated multipart body', async () => {
      const { payload, contentType } = multipartBody({ filename: 'a.png', contentType: 'image/png', data: png });
      const before = await tableCounts(app);
      const res = await app.inject({ method: 'POST', url: '/api/files', headers: { 'content-type': contentType, cookie: zhang.cookie, 'x-csrf-token': zhang.csrf }, payload: payload.subarray(0, payload.length - 40) });
      expectProblem(res, 400, 'MULTIPART_INVALID', 'body');
      expect(await tableCounts(app)).toEqual(before);
    });
  });

  it('sweeps orphan blobs (written, never committed) once they are older than the grace period', async () => {
    const store = app.services.files.store;
    const orphan = samplePdf('orphan');
    await store.put(sha(orphan), orphan); // as if the process died before the metadata committed
    const kept = (await upload(zhang, { filename: 'kept.pdf', contentType: 'application/pdf', data: samplePdf('kept') })).json();
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const h of [sha(orphan), kept.sha256]) utimesSync(join(dataDir, 'files', h.slice(0, 2), h.slice(2, 4), h), old, old);
    const fresh = samplePdf('fresh-orphan');
    await store.put(sha(fresh), fresh); // an upload still committing: spared
    const r = await app.services.files.sweepOrphanBlobs();
    expect(r.deleted).toBe(1);
    expect(await store.exists(sha(orphan))).toBe(false);
    expect(await store.exists(kept.sha256)).toBe(true);
    expect(await store.exists(sha(fresh))).toBe(true);
    expect((await zhang.req('GET', `/api/files/${kept.id}`)).statusCode).toBe(200);
    // The sweep is scheduled as a durable job.
    const job = await app.database.db.selectFrom('jobs').selectAll().where('queue', '=', 'files.sweep').where('state', '=', 'pending').execute();
    expect(job).toHaveLength(1);
  });
});
