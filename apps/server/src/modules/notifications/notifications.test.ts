import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_KINDS, personLogin, staffLogin, tableCounts, testApp, useTwoProcesses, type Client, expectProblem } from '../../../../../test/helpers';
import { enterprises, people } from '../../demo/data';
import { AppError } from '../../shared/errors';
import { maskMobile } from '../../shared/masking';
import { transact } from '../../db/deferred';
import { JobRunner } from '../jobs';
import { DELIVER_QUEUE, notify, SimulatedSmsGateway, TemplateCache, type NotifyInput } from './index';
import { templateCacheOf } from './notifications.cache';
import { render } from './notifications.templates';

describe('template rendering', () => {
  const t = {
    code: 'x.test',
    params: ['applicationNo', 'itemName'],
    version: 1,
    title_zh: '办件 {{applicationNo}}',
    body_zh: '「{{itemName}}」{{ applicationNo }}',
    sms_zh: '{{itemName}}',
    title_en: 'Application {{applicationNo}}',
    body_en: '"{{itemName}}"',
    sms_en: '{{itemName}}',
  };
  it('fills every placeholder in both languages', () => {
    const out = render(t, { applicationNo: 'FZ001', itemName: '食品经营许可' });
    expect(out.zh).toEqual({ title: '办件 FZ001', body: '「食品经营许可」FZ001', sms: '食品经营许可' });
    expect(out.en.title).toBe('Application FZ001');
  });
  it('refuses missing and undeclared parameters', () => {
    expect(() => render(t, { applicationNo: 'FZ001' })).toThrow(/itemName/);
    expect(() => render(t, { applicationNo: 'FZ001', itemName: 'x', extra: 'y' })).toThrow(/extra/);
    expect(() => render(t, { applicationNo: 'FZ001', itemName: null })).toThrow(/itemName/);
    expect(render(t, { applicationNo: 2026, itemName: 'x' }).en.title).toBe('Application 2026');
  });
});

describe.each(DB_KINDS)('notifications on %s', (kind) => {
  let app: FastifyInstance;
  let dataDir: string;
  let zhang: Client;
  let lina: Client;
  let admin: Client;
  let sms: SimulatedSmsGateway;
  const db = () => app.database.db;
  const smsLog = () => (existsSync(join(dataDir, 'outbox', 'sms.log')) ? readFileSync(join(dataDir, 'outbox', 'sms.log'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  const send = (input: NotifyInput) => db().transaction().execute((trx) => notify(trx, input));
  const accepted = (recipientAccountId: string, applicationNo: string): NotifyInput => ({
    recipientAccountId,
    template: 'application.accepted',
    params: { applicationNo, itemName: '食品经营许可', dueDate: '2026-12-08' },
  });
  const deliveriesOf = (notificationId: string) => db().selectFrom('notification_deliveries').selectAll().where('notification_id', '=', notificationId).orderBy('channel').execute();
  /** Makes retries that wait for their backoff due now. */
  const makeDue = () => db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 'notifications.deliver').where('state', '=', 'pending').execute();
  /** The delivery job that carries a delivery. */
  /** The delivery job of a delivery, while it has one (a job that is done is deleted). */
  const pendingJobOf = (deliveryId: string) =>
    db().selectFrom('jobs').selectAll().where('queue', '=', DELIVER_QUEUE).where(sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements_text(payload->'items') x WHERE x = ${deliveryId})`).executeTakeFirst();
  const jobOf = async (deliveryId: string) => {
    const job = await pendingJobOf(deliveryId);
    if (!job) throw new Error(`no job for delivery ${deliveryId}`);
    return job;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'yw-notify-'));
    app = await testApp(kind, { DATA_DIR: dataDir, NOTIFY_SMS_ADAPTER: 'simulated', NOTIFY_EMAIL_ADAPTER: 'file', NOTIFY_MAX_ATTEMPTS: 3 });
    sms = app.services.notifications.gateways.sms as SimulatedSmsGateway;
    zhang = await personLogin(app, people.find((p) => p.name === '张伟')!.idNumber);
    lina = await personLogin(app, people.find((p) => p.name === '李娜')!.idNumber);
    admin = await staffLogin(app, 'admin');
    // The demo node's own notices (sent while it was loaded) go out first: the counts below are this test's.
    await app.services.jobs.drain();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers from the outbox only after commit, never for a rolled-back write', async () => {
    const me = zhang.me.account.id;
    await expect(
      db().transaction().execute(async (trx) => {
        await notify(trx, accepted(me, 'FZ-ROLLBACK-1'));
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');
    expect(await app.services.jobs.drain()).toBe(0);
    expect(smsLog().filter((l) => l.text.includes('FZ-ROLLBACK-1'))).toEqual([]);
    expect((await zhang.req('GET', '/api/notifications')).json().items.map((n: { body: { zh: string } }) => n.body.zh).join()).not.toContain('FZ-ROLLBACK-1');

    const { id } = await send(accepted(me, 'FZ-COMMIT-1'));
    // Committed: in the inbox at once; the SMS waits for the outbox.
    const inbox = (await zhang.req('GET', '/api/notifications')).json();
    expect(inbox.items[0]).toMatchObject({ id, template: 'application.accepted', readAt: null, deliveries: [{ channel: 'sms', status: 'pending' }] });
    expect(inbox.items[0].body.zh).toContain('FZ-COMMIT-1');
    expect(inbox.items[0].title.en).toBe('Your application has been accepted');
    expect(smsLog().filter((l) => l.text.includes('FZ-COMMIT-1'))).toEqual([]);

    expect(await app.services.jobs.drain()).toBe(1);
    const [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ channel: 'sms', status: 'sent', attempts: 1, destination_masked: '138****1001' });
    expect(d.provider_message_id).toMatch(/^SIM/);
    const lines = smsLog().filter((l) => l.text.includes('FZ-COMMIT-1'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ to: '138****1001', accountId: me, template: 'application.accepted', locale: 'zh', messageId: d.provider_message_id });
    // The number appears nowhere in clear: not in the outbox file, not in the delivery record.
    expect(readFileSync(join(dataDir, 'outbox', 'sms.log'), 'utf8')).not.toContain('13800591001');
    // Delivered once: the job does not run again.
    expect(await app.services.jobs.drain()).toBe(0);
  });

  it('retries a transient SMS failure with backoff, and records a permanent one as failed', async () => {
    const me = zhang.me.account.id;
    sms.failNext('transient', 2);
    const { id } = await send(accepted(me, 'FZ-RETRY-1'));
    expect(await app.services.jobs.drain()).toBe(1);
    let [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringContaining('simulated 503') });
    const job = await jobOf(d.id);
    expect(job.state).toBe('pending');
    expect(job.run_at.getTime()).toBeGreaterThan(Date.now()); // backing off
    expect(await app.services.jobs.drain()).toBe(0); // not due yet
    await makeDue();
    await app.services.jobs.drain();
    [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ status: 'pending', attempts: 2 });
    await makeDue();
    await app.services.jobs.drain();
    [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ status: 'sent', attempts: 3, last_error: null, failed_at: null });
    expect(smsLog().filter((l) => l.text.includes('FZ-RETRY-1'))).toHaveLength(1);

    sms.failNext('permanent');
    const perm = await send(accepted(me, 'FZ-PERM-1'));
    expect(await app.services.jobs.drain()).toBe(1);
    [d] = await deliveriesOf(perm.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('rejected') });
    await makeDue();
    expect(await app.services.jobs.drain()).toBe(0); // not retried

    // A gateway that keeps failing: given up after NOTIFY_MAX_ATTEMPTS (3 here), recorded as failed.
    sms.failNext('transient', 3);
    const flaky = await send(accepted(me, 'FZ-GIVEUP-1'));
    for (let i = 0; i < 3; i++) {
      await makeDue();
      await app.services.jobs.drain();
    }
    [d] = await deliveriesOf(flaky.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 3, last_error: expect.stringContaining('gave up after 3 attempts') });
    expect(smsLog().filter((l) => l.text.includes('FZ-GIVEUP-1'))).toEqual([]);

    // What operators watch: failed deliveries, found through failed_at's index (set with the status
    // `failed` and by nothing else, so that recording a sent / skipped outcome changes no indexed column).
    const failed = await db().selectFrom('notification_deliveries').select(['notification_id', 'status']).where('failed_at', 'is not', null).execute();
    expect(failed.filter((f) => f.notification_id === perm.id || f.notification_id === flaky.id).map((f) => f.status)).toEqual(['failed', 'failed']);
    expect(failed.every((f) => f.status === 'failed')).toBe(true);
    expect((await db().selectFrom('notification_deliveries').select('id').where('status', '=', 'failed').execute()).length).toBe(failed.length);
  });

  it('sends a claimed batch together (one append of the file, in order); a failure in it retries only its own message, after its backoff', async () => {
    const me = zhang.me.account.id;
    const ids: string[] = [];
    for (const no of ['FZ-BATCH-1', 'FZ-BATCH-2', 'FZ-BATCH-3', 'FZ-BATCH-4']) ids.push((await send(accepted(me, no))).id);
    sms.failNext('transient'); // the batch's first message
    const calls = sms.calls;
    await app.services.jobs.drain();
    // The batch: 4 calls, one failed: its job alone waits for its backoff, the others are done.
    expect(sms.calls - calls).toBe(4);
    expect((await deliveriesOf(ids[0]))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    const failedJob = await jobOf((await deliveriesOf(ids[0]))[0].id);
    expect(failedJob).toMatchObject({ state: 'pending', attempts: 1 });
    expect(failedJob.run_at.getTime()).toBeGreaterThan(Date.now());
    for (const id of ids.slice(1)) expect(await pendingJobOf((await deliveriesOf(id))[0].id)).toBeUndefined(); // done: deleted
    await makeDue();
    expect(await app.services.jobs.drain()).toBe(1);
    expect(sms.calls - calls).toBe(5);
    for (const id of ids) expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'sent' });
    const lines = smsLog().filter((l) => l.text.includes('FZ-BATCH-'));
    expect(lines.map((l) => /FZ-BATCH-\d/.exec(l.text)![0])).toEqual(['FZ-BATCH-2', 'FZ-BATCH-3', 'FZ-BATCH-4', 'FZ-BATCH-1']);
  });

  it('the notifications of one deferring transaction go in one delivery job; a transient failure resends only the failed message, once', async () => {
    const zid = zhang.me.account.id;
    const lid = lina.me.account.id;
    const before = Number((await db().selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('queue', '=', DELIVER_QUEUE).executeTakeFirstOrThrow()).n);
    const ns = await transact(db(), async (trx) => [
      await notify(trx, accepted(zid, 'FZ-ONE-1')),
      await notify(trx, { ...accepted(lid, 'FZ-ONE-2'), channels: ['sms', 'email'] }),
      await notify(trx, accepted(zid, 'FZ-ONE-3')),
    ]);
    const deliveries = (await Promise.all(ns.map((n) => deliveriesOf(n.id)))).flat();
    expect(deliveries).toHaveLength(4);
    const after = Number((await db().selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('queue', '=', DELIVER_QUEUE).executeTakeFirstOrThrow()).n);
    expect(after - before).toBe(1);
    const job = await jobOf(deliveries[0].id);
    expect((job.payload as { items: string[] }).items.sort()).toEqual(deliveries.map((d) => d.id).sort());
    sms.failNext('transient'); // the job's first message, FZ-ONE-1
    const calls = sms.calls;
    expect(await app.services.jobs.drain()).toBe(1);
    expect(sms.calls - calls).toBe(3); // FZ-ONE-1 (failed), FZ-ONE-2 (its e-mail: no address on record), FZ-ONE-3
    expect((await deliveriesOf(ns[0].id))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await deliveriesOf(ns[2].id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await jobOf(deliveries[0].id)).toMatchObject({ state: 'pending', attempts: 1 });
    await makeDue();
    expect(await app.services.jobs.drain()).toBe(1);
    expect(sms.calls - calls).toBe(4);
    for (const no of ['FZ-ONE-1', 'FZ-ONE-2', 'FZ-ONE-3']) expect(smsLog().filter((l) => l.text.includes(no))).toHaveLength(1);
    expect((await deliveriesOf(ns[0].id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await deliveriesOf(ns[2].id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await pendingJobOf(deliveries[0].id)).toBeUndefined(); // done (on its second attempt): deleted
    expect((await deliveriesOf(ns[1].id)).map((d) => [d.channel, d.status])).toEqual([
      ['email', 'skipped'],
      ['sms', 'sent'],
    ]);
  });

  it('two runners draining the same delivery jobs at once send each message once', async () => {
    const me = zhang.me.account.id;
    const nos = Array.from({ length: 12 }, (_, i) => `FZ-RACE-${i + 1}-`);
    for (const no of nos) await send(accepted(me, no));
    const svc = app.services.notifications;
    const runner = () => new JobRunner(db(), app.log, { batchSize: 3 }).handle(DELIVER_QUEUE, (j) => svc.deliver(j), (js) => svc.deliverJobs(js));
    const calls = sms.calls;
    const [a, b] = await Promise.all([runner().drain(), runner().drain()]);
    expect(a + b).toBe(12);
    expect(sms.calls - calls).toBe(12);
    for (const no of nos) expect(smsLog().filter((l) => l.text.includes(no))).toHaveLength(1);
  });

  it('a batch for several recipients reads their contacts in one statement; each gets their own message at their own address', async () => {
    const zid = zhang.me.account.id;
    const lid = lina.me.account.id;
    const identity = app.services.identity;
    const both = await identity.contactsOf([zid, lid, '00000000-0000-4000-8000-000000000000']);
    expect([...both.keys()].sort()).toEqual([zid, lid].sort());
    expect(both.get(zid)).toEqual(await identity.contactOf(zid));
    expect(both.get(lid)).toEqual(await identity.contactOf(lid));
    const sent = [(await send(accepted(zid, 'FZ-TWO-1'))).id, (await send(accepted(lid, 'FZ-TWO-2'))).id];
    await app.services.jobs.drain();
    for (const id of sent) expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'sent' });
    const lines = smsLog().filter((l) => l.text.includes('FZ-TWO-'));
    expect(lines.map((l) => [/FZ-TWO-\d/.exec(l.text)![0], l.to]).sort()).toEqual([
      ['FZ-TWO-1', maskMobile(both.get(zid)!.mobile!)],
      ['FZ-TWO-2', maskMobile(both.get(lid)!.mobile!)],
    ]);
  });

  it("uses the recipient's language, skips channels they switched off or cannot receive", async () => {
    const me = lina.me.account.id;
    const put = await lina.req('PUT', '/api/notifications/preferences', { locale: 'en', sms: true, email: true });
    expect(put.statusCode, put.body).toBe(200);
    expect((await lina.req('GET', '/api/notifications/preferences')).json()).toEqual({ locale: 'en', sms: true, email: true });
    const { id } = await send({ ...accepted(me, 'FZ-EN-1'), channels: ['sms', 'email'] });
    await app.services.jobs.drain();
    const line = smsLog().find((l) => l.text.includes('FZ-EN-1'));
    expect(line).toMatchObject({ locale: 'en', to: '138****1002' });
    expect(line.text).toMatch(/^Your application FZ-EN-1/);
    const ds = await deliveriesOf(id);
    expect(ds.map((d) => [d.channel, d.status, d.last_error])).toEqual([
      ['email', 'skipped', 'no e-mail address on record'],
      ['sms', 'sent', null],
    ]);

    expect((await lina.req('PUT', '/api/notifications/preferences', { locale: 'zh', sms: false, email: true })).statusCode).toBe(200);
    const off = await send(accepted(me, 'FZ-OFF-1'));
    await app.services.jobs.drain();
    expect((await deliveriesOf(off.id))[0]).toMatchObject({ status: 'skipped', last_error: 'the recipient opted out of sms' });
    expect(smsLog().filter((l) => l.text.includes('FZ-OFF-1'))).toEqual([]);
  });

  it('keeps every inbox private: a person sees, counts and marks only their own', async () => {
    const mine = await send(accepted(zhang.me.account.id, 'FZ-PRIV-1'));
    const before = (await lina.req('GET', '/api/notifications/unread-count')).json().count;
    const theirs = (await lina.req('GET', '/api/notifications?limit=100')).json();
    expect(theirs.items.map((n: { id: string }) => n.id)).not.toContain(mine.id);
    // Another person's notification cannot be marked read, and its existence is not revealed.
    const counts = await tableCounts(app);
    expectProblem(await lina.req('POST', `/api/notifications/${mine.id}/read`), 404, 'NOT_FOUND', 'params/id');
    expect(await tableCounts(app)).toEqual(counts);
    expect((await lina.req('GET', '/api/notifications/unread-count')).json().count).toBe(before);

    const unread = (await zhang.req('GET', '/api/notifications/unread-count')).json().count;
    expect(unread).toBeGreaterThan(0);
    const read = await zhang.req('POST', `/api/notifications/${mine.id}/read`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().readAt).toEqual(expect.any(String));
    expect((await zhang.req('GET', '/api/notifications/unread-count')).json().count).toBe(unread - 1);
    const onlyUnread = (await zhang.req('GET', '/api/notifications?unread=true')).json();
    expect(onlyUnread.items.map((n: { id: string }) => n.id)).not.toContain(mine.id);
    expect((await zhang.req('POST', '/api/notifications/read-all')).json().updated).toBe(unread - 1);
    expect((await zhang.req('GET', '/api/notifications/unread-count')).json().count).toBe(0);
    // Both writes were audited.
    const audit = await db().selectFrom('audit_log').select('action').where('actor_id', '=', zhang.me.account.id).where('action', 'like', 'notifications.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['notifications.read', 'notifications.read_all']));
  });

  it("an enterprise's notices reach whoever acts as the enterprise, not the person acting for themselves", async () => {
    const ent = enterprises.find((e) => e.name === '福州榕城餐饮管理有限公司')!;
    const asEnterprise = await personLogin(app, ent.legalRep.idNumber, { type: 'enterprise', uscc: ent.uscc });
    const asPerson = await personLogin(app, ent.legalRep.idNumber);
    const entId = asEnterprise.me.actingAs.id;
    const { id } = await send({ recipientAccountId: entId, template: 'payment.due', params: { applicationNo: 'FZ-ENT-1', itemName: '食品经营许可', amount: '0.00', payBefore: '2026-12-01' } });
    expect((await asEnterprise.req('GET', '/api/notifications')).json().items.map((n: { id: string }) => n.id)).toContain(id);
    expect((await asPerson.req('GET', '/api/notifications')).json().items.map((n: { id: string }) => n.id)).not.toContain(id);
    // An officer's deadline warning is theirs alone.
    const officer = await staffLogin(app, 'scjg.window');
    const warn = await send({
      recipientAccountId: officer.me.account.id,
      template: 'task.deadline_warning',
      params: { applicationNo: 'FZ-WARN-1', itemName: '食品经营许可', stage: '受理', daysLeft: 1, dueDate: '2026-12-01' },
    });
    expect((await officer.req('GET', '/api/notifications')).json().items[0]).toMatchObject({ id: warn.id, title: { zh: '办件即将超期' } });
    expect((await zhang.req('GET', '/api/notifications?limit=100')).json().items.map((n: { id: string }) => n.id)).not.toContain(warn.id);
    await app.services.jobs.drain(); // the enterprise has no mobile on record: its SMS is skipped, not stuck
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'skipped', last_error: 'no mobile number on record' });
  });

  it('refuses to notify with missing parameters or an unknown template, rolling back the caller', async () => {
    const counts = await tableCounts(app);
    const err = await send({ recipientAccountId: zhang.me.account.id, template: 'application.accepted', params: { applicationNo: 'X' } }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'NOTIFICATION_PARAMS_MISSING', extra: { missing: ['itemName', 'dueDate'] } });
    await expect(send({ recipientAccountId: zhang.me.account.id, template: 'no.such', params: {} })).rejects.toMatchObject({ code: 'NOTIFICATION_TEMPLATE_UNKNOWN' });
    expect(await tableCounts(app)).toEqual(counts);
  });

  it('lets the platform admin edit a template without a release (audited, versioned); others may not', async () => {
    const list = (await admin.req('GET', '/api/admin/notification-templates')).json() as { code: string; version: number; zh: Record<string, string>; en: Record<string, string>; channels: string[] }[];
    expect(list.map((t) => t.code)).toEqual(
      expect.arrayContaining(['application.accepted', 'application.not_accepted', 'application.supplement_requested', 'application.approved', 'application.denied', 'application.concluded', 'payment.due', 'task.deadline_warning', 'review.invitation']),
    );
    const t = list.find((x) => x.code === 'application.approved')!;
    const deptAdmin = await staffLogin(app, 'scjg.admin');
    expect((await deptAdmin.req('GET', '/api/admin/notification-templates')).statusCode).toBe(200);
    const body = { version: t.version, channels: ['sms'], zh: { ...t.zh, body: '好消息：「{{itemName}}」（{{applicationNo}}）已准予。' }, en: t.en };
    expectProblem(await deptAdmin.req('PUT', '/api/admin/notification-templates/application.approved', body), 403, 'ROLE_NOT_ALLOWED');

    // Bad edits change nothing: an undeclared placeholder, a stale version, an unknown template.
    const counts = await tableCounts(app);
    expectProblem(
      await admin.req('PUT', '/api/admin/notification-templates/application.approved', { ...body, zh: { ...body.zh, sms: '{{itemName}} {{amount}}' } }),
      400,
      'TEMPLATE_PLACEHOLDER_UNKNOWN',
      'body/zh/sms',
    );
    expectProblem(await admin.req('PUT', '/api/admin/notification-templates/application.approved', { ...body, version: t.version + 5 }), 409, 'TEMPLATE_VERSION_CONFLICT', 'body/version');
    expectProblem(await admin.req('PUT', '/api/admin/notification-templates/no.such', body), 404, 'NOT_FOUND', 'params/code');
    expectProblem(await admin.req('PUT', '/api/admin/notification-templates/application.approved', { ...body, zh: { ...body.zh, title: '' } }), 400, 'VALIDATION_FAILED', 'body/zh/title');
    expect(await tableCounts(app)).toEqual(counts);

    const res = await admin.req('PUT', '/api/admin/notification-templates/application.approved', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ version: t.version + 1, channels: ['sms'], zh: { body: body.zh.body } });
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'notifications.template.update').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ entity_id: 'application.approved', actor_id: admin.me.account.id });
    expect(audit.detail).toMatchObject({ version: t.version + 1, before: { body_zh: t.zh.body, channels: t.channels }, after: { body_zh: body.zh.body, channels: ['sms'] } });
    expect(audit.detail.before).not.toHaveProperty('title_zh'); // only what changed

    const { id } = await send({ recipientAccountId: zhang.me.account.id, template: 'application.approved', params: { applicationNo: 'FZ-EDIT-1', itemName: '食品经营许可' } });
    const n = (await zhang.req('GET', '/api/notifications')).json().items.find((x: { id: string }) => x.id === id);
    expect(n.body.zh).toBe('好消息：「食品经营许可」（FZ-EDIT-1）已准予。');
    expect((await deliveriesOf(id)).map((d) => d.channel)).toEqual(['sms']); // e-mail switched off by the edit
  });
  it('notifyAll tells in the caller’s transaction with the templates the process keeps; a template that does not fit comes back refused, the others are told', async () => {
    const svc = app.services.notifications;
    const me = zhang.me.account.id;
    const counts = await tableCounts(app);
    const r = await transact(db(), (trx) =>
      svc.notifyAll(trx, [accepted(me, 'FZ-ALL-1'), { recipientAccountId: me, template: 'no.such', params: {} }, { ...accepted(me, 'FZ-ALL-2'), params: { applicationNo: 'FZ-ALL-2' } }]),
    );
    expect(r.told).toBe(1);
    expect(r.refused.map((x) => (x.err as AppError).code)).toEqual(['NOTIFICATION_TEMPLATE_UNKNOWN', 'NOTIFICATION_PARAMS_MISSING']);
    const bodies = (await zhang.req('GET', '/api/notifications?limit=100')).json().items.map((n: { body: { zh: string } }) => n.body.zh).join('\n');
    expect(bodies).toContain('FZ-ALL-1');
    expect(bodies).not.toContain('FZ-ALL-2');
    const after = await tableCounts(app);
    expect(after.notifications - counts.notifications).toBe(1);
    // Nothing told when the caller's transaction rolls back.
    await expect(
      transact(db(), async (trx) => {
        await svc.notifyAll(trx, [accepted(me, 'FZ-ALL-RB')]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await tableCounts(app)).toEqual(after);
  });

  it('notifyAll: a message standing for others (replaces) is written instead of them; they instead when it does not fit, or one of theirs was reworded and it was not', async () => {
    const svc = app.services.notifications;
    const me = zhang.me.account.id;
    const fee = (no: string): NotifyInput => ({ recipientAccountId: me, template: 'payment.due', params: { applicationNo: no, itemName: '食品经营许可', amount: '8.00', payBefore: '2026-12-09 10:00' } });
    const both = (no: string, params?: Record<string, unknown>): NotifyInput => ({
      recipientAccountId: me,
      template: 'application.accepted_payment_due',
      params: params ?? { applicationNo: no, itemName: '食品经营许可', dueDate: '2026-12-08', amount: '8.00', payBefore: '2026-12-09 10:00' },
      replaces: [accepted(me, no), fee(no)],
    });
    const told = async (no: string) =>
      ((await zhang.req('GET', '/api/notifications?limit=100')).json().items as { template: string; body: { zh: string } }[]).filter((n) => n.body.zh.includes(no)).map((n) => n.template).sort();
    let r = await transact(db(), (trx) => svc.notifyAll(trx, [both('FZ-FOLD-1')]));
    expect(r).toEqual({ told: 1, refused: [] });
    expect(await told('FZ-FOLD-1')).toEqual(['application.accepted_payment_due']);
    // It does not fit (a parameter missing): refused, and the two it stands for written.
    r = await transact(db(), (trx) => svc.notifyAll(trx, [both('FZ-FOLD-2', { applicationNo: 'FZ-FOLD-2', itemName: '食品经营许可' })]));
    expect(r.told).toBe(2);
    expect(r.refused.map((x) => [x.input.template, (x.err as AppError).code])).toEqual([['application.accepted_payment_due', 'NOTIFICATION_PARAMS_MISSING']]);
    expect(await told('FZ-FOLD-2')).toEqual(['application.accepted', 'payment.due']);
    // One of the replaced templates reworded (a later version), the folded one not: the replaced are written.
    await db().updateTable('notification_templates').set({ version: sql`version + 1` }).where('code', '=', 'payment.due').execute();
    svc.templateCache.drop();
    try {
      r = await transact(db(), (trx) => svc.notifyAll(trx, [both('FZ-FOLD-3')]));
      expect(r).toEqual({ told: 2, refused: [] });
      expect(await told('FZ-FOLD-3')).toEqual(['application.accepted', 'payment.due']);
    } finally {
      await db().updateTable('notification_templates').set({ version: sql`version - 1` }).where('code', '=', 'payment.due').execute();
      svc.templateCache.drop();
    }
  });

  it('an administrator’s edit of a template is used by the next notification of this process at once (the version recorded)', async () => {
    const svc = app.services.notifications;
    const me = zhang.me.account.id;
    const tell = (no: string) => transact(db(), (trx) => svc.notifyAll(trx, [{ ...accepted(me, no), template: 'application.not_accepted', params: { applicationNo: no, itemName: '食品经营许可', reason: '材料不全' } }]));
    const versionOf = (no: string) => db().selectFrom('notifications').select(['template_version', 'content']).where(sql<boolean>`params->>'applicationNo' = ${no}`).executeTakeFirstOrThrow();
    await tell('FZ-CACHE-1'); // kept from now on
    const t = ((await admin.req('GET', '/api/admin/notification-templates')).json() as { code: string; version: number; zh: Record<string, string>; en: Record<string, string>; channels: string[] }[]).find((x) => x.code === 'application.not_accepted')!;
    expect((await versionOf('FZ-CACHE-1')).template_version).toBe(t.version);
    const res = await admin.req('PUT', '/api/admin/notification-templates/application.not_accepted', { version: t.version, channels: t.channels, zh: { ...t.zh, body: '改：{{applicationNo}}「{{itemName}}」不予受理：{{reason}}' }, en: t.en });
    expect(res.statusCode, res.body).toBe(200);
    await tell('FZ-CACHE-2');
    const n = await versionOf('FZ-CACHE-2');
    expect(n.template_version).toBe(t.version + 1);
    expect(n.content.zh.body).toBe('改：FZ-CACHE-2「食品经营许可」不予受理：材料不全');
    // `notify` of other modules in a deferring transaction uses the templates the process keeps, edits included.
    expect(await transact(db(), async (trx) => templateCacheOf(trx))).toBe(svc.templateCache);
    expect(await db().transaction().execute(async (trx) => templateCacheOf(trx))).toBeUndefined();
    await transact(db(), (trx) => notify(trx, { ...accepted(me, 'FZ-CACHE-3'), template: 'application.not_accepted', params: { applicationNo: 'FZ-CACHE-3', itemName: '食品经营许可', reason: '材料不全' } }));
    expect(await versionOf('FZ-CACHE-3')).toMatchObject({ template_version: t.version + 1 });
  });

  it('the template cache: nothing kept past its age, a read that raced with an edit not kept', async () => {
    let now = 1_000_000;
    const cache = new TemplateCache(60_000, () => now);
    const code = 'review.reminder';
    const bump = () => db().updateTable('notification_templates').set({ version: sql`version + 1` }).where('code', '=', code).execute();
    const version = async () => (await cache.read(db(), [code])).get(code)!.version;
    // A read during which an edit's notice arrived is not kept: the next read reads again.
    const racing = cache.read(db(), [code]);
    cache.drop();
    const v = (await racing).get(code)!.version;
    await bump(); // behind the cache's back (no notice)
    expect(await version()).toBe(v + 1);
    await bump();
    expect(await version()).toBe(v + 1); // kept
    now += 59_000;
    expect(await version()).toBe(v + 1);
    now += 2_000; // a missed notice is bounded by the age
    expect(await version()).toBe(v + 2);
    expect((await cache.read(db(), ['no.such'])).get('no.such')).toBeUndefined();
  });
});

describe('notification templates across two processes (PostgreSQL)', () => {
  const two = useTwoProcesses();

  it('an edit in one process reaches the templates the other keeps by NOTIFY', async () => {
    const { a, b } = two;
    const zhang = await personLogin(a, people.find((p) => p.name === '张伟')!.idNumber);
    const tell = (no: string) =>
      transact(a.database.db, (trx) => a.services.notifications.notifyAll(trx, [{ recipientAccountId: zhang.me.account.id, template: 'application.approved', params: { applicationNo: no, itemName: '食品经营许可' } }]));
    const versionOf = async (no: string) => (await a.database.db.selectFrom('notifications').select('template_version').where(sql<boolean>`params->>'applicationNo' = ${no}`).executeTakeFirstOrThrow()).template_version;
    await tell('FZ-2P-0'); // kept in a
    const admin = await staffLogin(b, 'admin');
    const t = ((await admin.req('GET', '/api/admin/notification-templates')).json() as { code: string; version: number; zh: Record<string, string>; en: Record<string, string>; channels: string[] }[]).find((x) => x.code === 'application.approved')!;
    expect(await versionOf('FZ-2P-0')).toBe(t.version);
    const res = await admin.req('PUT', '/api/admin/notification-templates/application.approved', { version: t.version, channels: t.channels, zh: { ...t.zh, title: '已准予（改）' }, en: t.en });
    expect(res.statusCode, res.body).toBe(200);
    const t0 = Date.now();
    let i = 0;
    let seen = t.version;
    while (seen === t.version && Date.now() - t0 < 5_000) {
      const no = `FZ-2P-${++i}`;
      await tell(no);
      seen = await versionOf(no);
      if (seen === t.version) await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`a template edited in one process used by the other after ${Date.now() - t0} ms`);
    expect(seen).toBe(t.version + 1);
  });
});
