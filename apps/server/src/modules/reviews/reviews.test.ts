/**
 * Reviews (好差评) and rectification through the HTTP API, on both databases: invitation and
 * reminder at conclusion (no default rating), one review per concluded application by the
 * applicant or their agent, corrections within the window, window visits rated by link, the
 * rectification case with its working-day deadlines, escalation, appeal, re-rating, statistics,
 * gaming flags, follow-up calls, and the refusals (nothing changed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import type { ManualClock } from '../applications';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from '../applications/applications.testing';
import { samplePdf } from '../files/files.fixtures';
import { QUEUE_REMIND, QUEUE_TIMER, reviewStats, reviewStatsLive, type StatsFilter } from './index';
import { splitRange } from './reviews.rollup';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '好差评测试' };
const online = (level: number) => ({ overall: level, efficiency: level, guide_accuracy: level, convenience: level, platform_usability: level });
const onsite = (level: number) => ({ overall: level, efficiency: level, service_level: level, attitude: level });

describe.each(DB_KINDS)('reviews and rectification on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let zhang: Client;
  let li: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let admin: Client;
  let other: Client;
  let supervisor: Client;
  let itemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `rv-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind, { REVIEW_CORRECTION_MINUTES: 30, REVIEW_REMINDER_HOURS: 48 });
    clock = useTestClock(app, '2026-03-02T02:00:00Z'); // Monday 2 March 2026, 10:00 China time
    const scjg = await departmentId(app, 'FZ-SCJGJ');
    ({ items: [itemId] } = await publish(app, [testItem({ name: '好差评测试事项', departmentId: scjg, legal: 20, promised: 5, stages: threeStages(scjg) })]));
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    window = await staffLogin(app, 'scjg.window');
    reviewer = await staffLogin(app, 'scjg.reviewer');
    decider = await staffLogin(app, 'scjg.decider');
    admin = await staffLogin(app, 'scjg.admin');
    other = await staffLogin(app, 'gaj.window');
    supervisor = await staffLogin(app, 'fz.supervisor');
  }, 420_000); // boots the app with every module's demo data: slow on a loaded machine
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[];
    const t = list.find((x) => x.applicationId === applicationId);
    if (!t) throw new Error(`no task for ${applicationId}`);
    return t.id;
  };
  const submit = async (c: Client = zhang) => ok(await c.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201) as { id: string; number: string };
  const conclude = async (c: Client = zhang) => {
    const a = await submit(c);
    ok(await window.req('POST', `/api/tasks/${await taskOf(window, a.id)}/accept`, { note: '材料齐全' }));
    ok(await reviewer.req('POST', `/api/tasks/${await taskOf(reviewer, a.id)}/review`, { agree: true, opinion: '同意' }));
    ok(await decider.req('POST', `/api/tasks/${await taskOf(decider, a.id)}/decide`, { approve: true, opinion: '准予' }));
    await app.services.jobs.drain();
    return a;
  };
  const notes = async (c: Client) => (ok(await c.req('GET', '/api/notifications?limit=100')).items as { template: string; link: string | null }[]);
  const dueNow = async (queue: string) => {
    await app.database.db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', queue).where('state', '=', 'pending').execute();
    await app.services.jobs.drain();
  };
  const stats = async (q = '') => ok(await app.inject({ method: 'GET', url: `/api/public/reviews/stats?groupBy=department${q}` })).rows as { name: string; total: number; good: number; bad: number; goodRate: number; cases: number; rectified: number; onTime: number; onTimeRate: number | null }[];
  const scjgStats = async () => (await stats()).find((r) => r.name === '福州市市场监督管理局')!;

  it('invites at conclusion and reminds once later; an unrated case stays unrated', async () => {
    const a = await conclude();
    const inbox = await notes(zhang);
    expect(inbox.filter((n) => n.link === `/portal/reviews/rate/${a.id}`).map((n) => (n as unknown as { template: string }).template ?? 'x')).toHaveLength(1);
    const mine = ok(await zhang.req('GET', '/api/reviews/mine')) as { applicationId: string; review: unknown }[];
    expect(mine.find((m) => m.applicationId === a.id)).toMatchObject({ review: null });
    // Not yet: the reminder waits for its hour.
    await dueNow(QUEUE_REMIND);
    expect((await notes(zhang)).filter((n) => n.link === `/portal/reviews/rate/${a.id}`)).toHaveLength(1);
    clock.set('2026-03-04T03:00:00Z');
    await dueNow(QUEUE_REMIND);
    expect((await notes(zhang)).filter((n) => n.link === `/portal/reviews/rate/${a.id}`)).toHaveLength(2);
    await dueNow(QUEUE_REMIND);
    expect((await notes(zhang)).filter((n) => n.link === `/portal/reviews/rate/${a.id}`)).toHaveLength(2);
    const n = await app.database.db.selectFrom('reviews').select('id').where('subject_id', '=', a.id).execute();
    expect(n).toHaveLength(0);
    clock.set('2026-03-02T02:00:00Z');
  });

  it('refuses a review by anyone but the applicant, of a case not concluded, a second review — nothing changed', async () => {
    const a = await conclude();
    const pending = await submit();
    const before = await tableCounts(app);
    expectProblem(await li.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: online(5) }), 403, 'REVIEW_NOT_APPLICANT', 'body/applicationId');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: pending.id, channel: 'web', level: 5, scores: online(5) }), 409, 'REVIEW_NOT_CONCLUDED', 'body/applicationId');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: onsite(5) }), 400, 'REVIEW_INDICATORS_INVALID');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'window_device', level: 5, scores: online(5) }), 400, 'REVIEW_CHANNEL_INVALID', 'body/channel');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 1, scores: online(1) }), 400, 'REVIEW_COMMENT_REQUIRED', 'body/comment');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 4, scores: online(5) }), 400, 'REVIEW_OVERALL_MISMATCH');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 6, scores: online(5) }), 400, 'VALIDATION_FAILED');
    expectProblem(await window.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: online(5) }), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);

    const r = ok(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: online(5), comment: '很方便' }), 201);
    expect(r).toMatchObject({ level: 5, bad: false, revision: 1, case: null });
    const after = await tableCounts(app);
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'mobile', level: 4, scores: online(4) }), 409, 'REVIEW_ALREADY_GIVEN');
    expectProblem(await li.req('PUT', `/api/reviews/${r.id}`, { level: 4, scores: online(4) }), 403, 'REVIEW_NOT_YOURS');
    expect(await tableCounts(app)).toEqual(after);

    // A correction within the window is the same review, a new revision; after it, refused.
    const c = ok(await zhang.req('PUT', `/api/reviews/${r.id}`, { level: 4, scores: online(4), comment: '改为满意' }));
    expect(c).toMatchObject({ id: r.id, level: 4, revision: 2 });
    expect(c.history.map((h: { kind: string }) => h.kind)).toEqual(['initial', 'correction']);
    clock.set('2026-03-02T02:31:00Z');
    expectProblem(await zhang.req('PUT', `/api/reviews/${r.id}`, { level: 3, scores: online(3) }), 409, 'REVIEW_CORRECTION_CLOSED');
    clock.set('2026-03-02T02:00:00Z');
  });

  it('lets an agent review the principal’s application', async () => {
    const agent = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    const principal = agent.me.options.principals[0];
    ok(await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id }));
    const a = await conclude(agent);
    const r = ok(await agent.req('POST', '/api/reviews', { applicationId: a.id, channel: 'mobile', level: 5, scores: online(5) }), 201);
    expect(r.level).toBe(5);
    const wang = await personLogin(app, people.find((p) => p.name === '王秀英')!.idNumber);
    expectProblem(await wang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: online(5) }), 409, 'REVIEW_ALREADY_GIVEN');
  });

  it('runs a 差评 through verify → rectify → feedback → re-rate within the deadlines; the public statistics change', async () => {
    const a = await conclude();
    const s0 = await scjgStats();
    const r = ok(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 1, scores: online(1), comment: '审批太慢，电话 13800591001 打不通' }), 201);
    expect(r.bad).toBe(true);
    // Default deadlines: verify in 1 working day (Monday → Tuesday 3 March).
    expect(r.case).toMatchObject({ state: 'verifying', stepDue: '2026-03-03' });
    const s1 = await scjgStats();
    expect(s1.bad).toBe(s0.bad + 1);
    expect(s1.goodRate).toBeLessThan(s0.goodRate ?? 1);
    expect((await notes(admin)).some((n) => n.link === `/admin/rectification/${r.case.id}`)).toBe(true);

    const before = await tableCounts(app);
    expectProblem(await other.req('POST', `/api/rectification/cases/${r.case.id}/verify`, { finding: 'confirmed', note: '核实' }), 403, 'CASE_OTHER_DEPARTMENT');
    expectProblem(await window.req('POST', `/api/rectification/cases/${r.case.id}/rectify`, { measures: '整改措施' }), 409, 'CASE_STATE_CONFLICT');
    expectProblem(await zhang.req('POST', `/api/reviews/${r.id}/rerate`, { level: 5, scores: online(5) }), 409, 'REVIEW_RERATE_NOT_OPEN');
    expect(await tableCounts(app)).toEqual(before);

    const v = ok(await window.req('POST', `/api/rectification/cases/${r.case.id}/verify`, { finding: 'confirmed', note: '经核实，审查环节等待时间较长' }));
    expect(v).toMatchObject({ state: 'rectifying', stepDue: '2026-03-09' }); // rectify in 5 working days
    ok(await reviewer.req('POST', `/api/rectification/cases/${r.case.id}/rectify`, { measures: '优化审查流程，开通咨询专线' }));
    const f = ok(await admin.req('POST', `/api/rectification/cases/${r.case.id}/feedback`, { message: '已致电说明整改情况' }));
    expect(f.state).toBe('awaiting_rerate');
    expect((await notes(zhang)).some((n) => n.link === `/portal/reviews/rate/${a.id}`)).toBe(true);
    const s2 = await scjgStats();
    expect(s2.rectified).toBe(s1.rectified + 1);
    expect(s2.onTime).toBe(s1.onTime + 1);

    const rr = ok(await zhang.req('POST', `/api/reviews/${r.id}/rerate`, { level: 4, scores: online(4), comment: '整改后满意' }));
    expect(rr).toMatchObject({ level: 4, firstLevel: 1, rerated: true, case: { state: 'closed' } });
    expectProblem(await zhang.req('POST', `/api/reviews/${r.id}/rerate`, { level: 5, scores: online(5) }), 409, 'REVIEW_RERATE_NOT_OPEN');
    const s3 = await scjgStats();
    expect(s3.bad).toBe(s0.bad);
    expect(s3.good).toBe(s1.good + 1);

    // The public ledger masks personal data.
    const ledger = ok(await app.inject({ method: 'GET', url: '/api/public/reviews/ledger' }));
    const row = ledger.items.find((x: { number: string }) => x.number === r.case.number);
    expect(row).toMatchObject({ state: 'closed', onTime: true, firstLevel: 1, level: 4, reviewer: '张*' });
    expect(row.comment).toContain('138****1001'); // the complaint, masked (the re-rating's comment is in the history)
    expect(JSON.stringify(ledger)).not.toContain('13800591001');
  });

  it('warns on the last day, escalates when overdue, counts the late step; per-region deadlines', async () => {
    ok(await (await staffLogin(app, 'admin')).req('PUT', '/api/admin/rectification-deadlines/350100', { verifyDays: 2, rectifyDays: 3, feedbackDays: 1 }));
    const a = await conclude();
    const r = ok(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 2, scores: online(2), comment: '窗口态度不好' }), 201);
    // The item's region is the node's demo region under 350100? Items inherit the department's region.
    const region = (await app.database.db.selectFrom('reviews').select('region_code').where('id', '=', r.id).executeTakeFirstOrThrow()).region_code;
    expect(r.case.stepDue).toBe(region.startsWith('3501') ? '2026-03-04' : '2026-03-03');
    const due = r.case.stepDue as string;
    clock.set(`${due}T01:00:00Z`); // 09:00 China time on the last day
    await dueNow(QUEUE_TIMER);
    expect(ok(await admin.req('GET', `/api/rectification/cases/${r.case.id}`)).slaState).toBe('warning');
    const dayAfter = new Date(new Date(`${due}T16:00:00Z`).getTime() + 3600_000).toISOString(); // 01:00 the next day
    clock.set(dayAfter);
    await dueNow(QUEUE_TIMER);
    const c = ok(await supervisor.req('GET', `/api/rectification/cases/${r.case.id}`));
    expect(c).toMatchObject({ slaState: 'overdue' });
    expect(c.escalatedAt).not.toBeNull();
    expect((await notes(supervisor)).some((n) => n.link === `/oversight/reviews/cases/${r.case.id}`)).toBe(true);
    ok(await window.req('POST', `/api/rectification/cases/${r.case.id}/verify`, { finding: 'partly', note: '部分属实' }));
    ok(await window.req('POST', `/api/rectification/cases/${r.case.id}/rectify`, { measures: '批评教育，服务规范培训' }));
    ok(await window.req('POST', `/api/rectification/cases/${r.case.id}/feedback`, { message: '已反馈' }));
    const ledger = ok(await app.inject({ method: 'GET', url: '/api/public/reviews/ledger' }));
    expect(ledger.items.find((x: { number: string }) => x.number === r.case.number)).toMatchObject({ onTime: false });
    clock.set('2026-03-02T02:00:00Z');
  });

  it('takes an appeal with evidence; a supervisor upholds it and the review leaves the statistics', async () => {
    const a = await conclude();
    const r = ok(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 1, scores: online(1), comment: '恶意差评测试内容' }), 201);
    const s1 = await scjgStats();
    const before = await tableCounts(app);
    expectProblem(await admin.req('POST', `/api/rectification/cases/${r.case.id}/appeal`, { reason: '评价与事实不符', evidenceFileIds: ['00000000-0000-4000-8000-000000000000'] }), 400, 'APPEAL_EVIDENCE_INVALID', 'body/evidenceFileIds/0');
    expect(await tableCounts(app)).toEqual(before);
    const file = ok(await admin.req('POST', '/api/rectification/evidence', { filename: '录像说明.pdf', contentType: 'application/pdf', dataBase64: samplePdf('evidence').toString('base64') }), 201);
    const ap = ok(await admin.req('POST', `/api/rectification/cases/${r.case.id}/appeal`, { reason: '调取录像证明办理过程规范，评价与事实不符', evidenceFileIds: [file.id] }));
    expect(ap.state).toBe('appealed');
    expectProblem(await admin.req('POST', `/api/rectification/cases/${r.case.id}/appeal`, { reason: '再次申诉', evidenceFileIds: [file.id] }), 409, 'APPEAL_ALREADY_MADE');
    // The supervisor reads the evidence; another department does not.
    const ev = await supervisor.req('GET', `/api/rectification/cases/${r.case.id}/evidence/${file.id}`);
    expect(ev.statusCode).toBe(200);
    expect(ev.body).toContain('evidence');
    expectProblem(await other.req('GET', `/api/rectification/cases/${r.case.id}/evidence/${file.id}`), 403, 'CASE_OTHER_DEPARTMENT');
    const d = ok(await supervisor.req('POST', `/api/rectification/cases/${r.case.id}/appeal-decision`, { uphold: true, note: '申诉成立' }));
    expect(d).toMatchObject({ state: 'annulled', appeal: { decision: 'upheld' } });
    const s2 = await scjgStats();
    expect(s2.total).toBe(s1.total - 1);
    expect(s2.bad).toBe(s1.bad - 1);
  });

  it('rates a window visit by its link (一次一评), once; flags bursts of top ratings from one device', async () => {
    const v = ok(await window.req('POST', '/api/reviews/visits', { itemId, personName: '刘女士' }), 201);
    const info = ok(await app.inject({ method: 'GET', url: `/api/reviews/visits/${v.token}` }));
    expect(info).toMatchObject({ department: '福州市市场监督管理局', itemName: '好差评测试事项', indicators: ['overall', 'efficiency', 'service_level', 'attitude'], review: null });
    const post = (token: string, body: unknown) => app.inject({ method: 'POST', url: `/api/reviews/visits/${token}`, payload: body as object });
    ok(await post(v.token, { channel: 'window_device', level: 5, scores: onsite(5), deviceId: 'device-A' }), 201);
    const before = await tableCounts(app);
    expectProblem(await post(v.token, { channel: 'window_device', level: 4, scores: onsite(4) }), 409, 'REVIEW_ALREADY_GIVEN');
    expectProblem(await post('nonexistent-token-xyz', { channel: 'window_device', level: 4, scores: onsite(4) }), 404, 'VISIT_NOT_FOUND', 'params/token');
    expectProblem(await post(v.token, { channel: 'web', level: 4, scores: onsite(4) }), 409, 'REVIEW_ALREADY_GIVEN');
    expect(await tableCounts(app)).toEqual(before);
    for (let i = 0; i < 4; i++) {
      const w = ok(await window.req('POST', '/api/reviews/visits', {}), 201);
      ok(await post(w.token, { channel: 'window_device', level: 5, scores: onsite(5), deviceId: 'device-A' }), 201);
    }
    const flags = ok(await supervisor.req('GET', '/api/rectification/flags')) as { kind: string; key: string; count: number }[];
    expect(flags.find((f) => f.kind === 'burst_device' && f.key === 'device-A')).toMatchObject({ count: 5 });
    // Reviews within seconds of conclusion at scale (a visit concludes when recorded).
    expect(flags.some((f) => f.kind === 'fast_after_conclusion')).toBe(true);
  });

  it('rates a concluded application by the one-time link of the invitation SMS; the link is spent, expires, and opens nothing else', async () => {
    const a = await conclude();
    const inbox = ok(await zhang.req('GET', '/api/notifications?limit=100')).items as { template: string; link: string; body: { zh: string } }[];
    const invite = inbox.find((n) => n.template === 'review.invite_link' && n.link === `/portal/reviews/rate/${a.id}`)!;
    const token = /\/rate\/a\/([A-Za-z0-9_-]+)/.exec(invite.body.zh)![1];
    // The SMS goes out through the notifications outbox, with the link in its text.
    const sms = await sql<{ channel: string; sms: string }>`SELECT d.channel, n.content->'zh'->>'sms' AS sms FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.link = ${`/portal/reviews/rate/${a.id}`} AND n.template_code = 'review.invite_link'`.execute(app.database.db);
    expect(sms.rows).toEqual([{ channel: 'sms', sms: expect.stringContaining(`/rate/a/${token}`) }]);
    const info = ok(await app.inject({ method: 'GET', url: `/api/reviews/invitations/${token}` }));
    expect(info).toMatchObject({ number: a.number, title: '好差评测试事项', department: '福州市市场监督管理局', used: false, review: null, indicators: ['overall', 'efficiency', 'guide_accuracy', 'convenience', 'platform_usability'] });
    const post = (t: string, body: unknown) => app.inject({ method: 'POST', url: `/api/reviews/invitations/${t}`, payload: body as object });
    const before = await tableCounts(app);
    expectProblem(await post(token, { level: 4, scores: onsite(4) }), 400, 'REVIEW_INDICATORS_INVALID');
    expectProblem(await post('not-a-real-invitation-token', { level: 4, scores: online(4) }), 404, 'INVITE_LINK_INVALID', 'params/token');
    expect(await tableCounts(app)).toEqual(before);
    const r = ok(await post(token, { level: 4, scores: online(4), comment: '短信链接评价' }), 201);
    expect(r).toMatchObject({ level: 4, channel: 'sms', subject: { id: a.id } });
    // It is the applicant's review (一事一评): theirs in the portal, and no second one by any route.
    const mine = ok(await zhang.req('GET', '/api/reviews/mine')) as { applicationId: string; review: { id: string } | null }[];
    expect(mine.find((m) => m.applicationId === a.id)?.review?.id).toBe(r.id);
    const after = await tableCounts(app);
    expectProblem(await post(token, { level: 5, scores: online(5) }), 409, 'INVITE_LINK_USED');
    expectProblem(await zhang.req('POST', '/api/reviews', { applicationId: a.id, channel: 'web', level: 5, scores: online(5) }), 409, 'REVIEW_ALREADY_GIVEN');
    expect(await tableCounts(app)).toEqual(after);
    // An expired link opens nothing.
    const b = await conclude();
    await app.database.db.updateTable('review_invitations').set({ token_expires_at: new Date(clock.now().getTime() - 1000) }).where('application_id', '=', b.id).execute();
    const inbox2 = ok(await zhang.req('GET', '/api/notifications?limit=100')).items as { template: string; link: string; body: { zh: string } }[];
    const token2 = /\/rate\/a\/([A-Za-z0-9_-]+)/.exec(inbox2.find((n) => n.template === 'review.invite_link' && n.link === `/portal/reviews/rate/${b.id}`)!.body.zh)![1];
    const expired = await tableCounts(app);
    expectProblem(await app.inject({ method: 'GET', url: `/api/reviews/invitations/${token2}` }), 404, 'INVITE_LINK_INVALID');
    expectProblem(await post(token2, { level: 5, scores: online(5) }), 404, 'INVITE_LINK_INVALID');
    expect(await tableCounts(app)).toEqual(expired);
  });

  it('lets a supervisor confirm a gaming flag (its reviews annulled) or dismiss one, once, in their region only', async () => {
    const flags = ok(await supervisor.req('GET', '/api/rectification/flags')) as { id: string; kind: string; key: string; state: string; reviews: { level: number }[] }[];
    const burst = flags.find((f) => f.kind === 'burst_device' && f.key === 'device-A')!;
    expect(burst.reviews.every((r) => r.level === 5)).toBe(true);
    const fast = flags.find((f) => f.kind === 'fast_after_conclusion' && f.state === 'open')!;
    const gl = await staffLogin(app, 'gl.supervisor');
    const before = await tableCounts(app);
    expectProblem(await gl.req('POST', `/api/rectification/flags/${burst.id}/resolve`, { decision: 'dismissed', note: '越权处理' }), 404, 'NOT_FOUND');
    expectProblem(await admin.req('POST', `/api/rectification/flags/${burst.id}/resolve`, { decision: 'dismissed', note: '部门无权' }), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);
    const total = (await scjgStats()).total;
    const c = ok(await supervisor.req('POST', `/api/rectification/flags/${burst.id}/resolve`, { decision: 'confirmed', note: '同一设备连续好评，确认为刷评' }));
    expect(c).toMatchObject({ state: 'confirmed', annulled: 5 });
    expect((await scjgStats()).total).toBe(total - 5);
    const after = await tableCounts(app);
    expectProblem(await supervisor.req('POST', `/api/rectification/flags/${burst.id}/resolve`, { decision: 'dismissed', note: '再次处理' }), 409, 'FLAG_ALREADY_RESOLVED');
    expect(await tableCounts(app)).toEqual(after);
    ok(await supervisor.req('POST', `/api/rectification/flags/${fast.id}/resolve`, { decision: 'dismissed', note: '窗口评价器当场评价，属正常' }));
    const again = ok(await supervisor.req('GET', '/api/rectification/flags')) as { id: string; state: string; resolutionNote: string }[];
    expect(again.find((f) => f.id === fast.id)).toMatchObject({ state: 'dismissed', resolutionNote: '窗口评价器当场评价，属正常' });
  });

  it('samples concluded cases for follow-up calls (回访) and records them', async () => {
    const s = ok(await supervisor.req('POST', '/api/follow-ups/sample', { source: 'rectification', count: 1 }));
    expect(s.sampled).toBe(1);
    const list = ok(await supervisor.req('GET', '/api/follow-ups?state=pending')) as { id: string; number: string }[];
    expect(list).toHaveLength(1);
    expect(list[0].number).toMatch(/^ZG/);
    ok(await supervisor.req('POST', `/api/follow-ups/${list[0].id}`, { reached: true, satisfied: true, note: '群众表示满意' }));
    expectProblem(await supervisor.req('POST', `/api/follow-ups/${list[0].id}`, { reached: true, note: 'again' }), 409, 'FOLLOW_UP_DONE');
  });

  /** The roll-up read by the statistics equals the live computation over the base tables, for every grouping and filter. */
  const rollupMatchesLive = async () => {
    const db = app.database.db;
    const scjg = await departmentId(app, 'FZ-SCJGJ');
    const filters: StatsFilter[] = [
      {}, { regionCode: '350100' }, { departmentId: scjg }, { itemId }, { channel: 'window_device' },
      { from: '2026-03-02', to: '2026-03-10' }, { from: '2026-03-11' }, { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-02-15', to: '2026-04-10' },
      { to: '2026-03-31' }, { departmentId: scjg, channel: 'web', to: '2026-03-09' }, { itemId, from: '2026-03-03' },
    ];
    for (const groupBy of ['none', 'department', 'item', 'region', 'channel', 'month'] as const)
      for (const f of filters) expect(await reviewStats(db, { ...f, groupBy }), JSON.stringify({ ...f, groupBy })).toEqual(await reviewStatsLive(db, { ...f, groupBy }));
  };

  it('splits a date range into whole months and edge days for the roll-ups', () => {
    expect(splitRange()).toEqual({ months: { from: undefined, to: undefined }, days: [] });
    expect(splitRange('2026-03-01', '2026-03-31')).toEqual({ months: { from: '2026-03-01', to: '2026-03-31' }, days: [] });
    expect(splitRange('2026-03-02', '2026-03-10')).toEqual({ days: [{ from: '2026-03-02', to: '2026-03-10' }] });
    expect(splitRange('2026-02-15', '2026-04-10')).toEqual({ months: { from: '2026-03-01', to: '2026-03-31' }, days: [{ from: '2026-02-15', to: '2026-02-28' }, { from: '2026-04-01', to: '2026-04-10' }] });
    expect(splitRange('2024-02-10', undefined)).toEqual({ months: { from: '2024-03-01', to: undefined }, days: [{ from: '2024-02-10', to: '2024-02-29' }] });
    expect(splitRange(undefined, '2025-12-30')).toEqual({ months: { from: undefined, to: '2025-11-30' }, days: [{ from: '2025-12-01', to: '2025-12-30' }] });
    expect(splitRange('2026-03-31', '2026-04-01')).toEqual({ days: [{ from: '2026-03-31', to: '2026-04-01' }] });
  });

  it('keeps the statistics roll-up equal to the live computation after reviews, corrections, re-ratings, appeals and annulments', async () => {
    await rollupMatchesLive();
    const all = (await reviewStats(app.database.db, {}))[0];
    // The tests above wrote reviews of every kind; the roll-up is not trivially empty.
    expect(all.total).toBeGreaterThan(5);
    expect(all.cases).toBeGreaterThan(0);
  });

  it('closes the open rectification cases of reviews annulled by a confirmed gaming flag (closed cases stay closed, a pending appeal is moot, timers stop)', async () => {
    clock.set('2026-03-10T02:00:00Z'); // Tuesday: another day, so a new flag (one per department and day)
    const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });
    const rate = async (level: number, comment?: string) => {
      const v = ok(await window.req('POST', '/api/reviews/visits', { itemId }), 201);
      const r = ok(await post(`/api/reviews/visits/${v.token}`, { channel: 'window_device', level, scores: onsite(level), comment }), 201);
      return { token: v.token as string, id: r.id as string, caseId: r.case?.id as string };
    };
    // A: a 差评 rectified and re-rated (its case closed). B: a 差评 under appeal. C: a 差评 being verified, its timers pending.
    const a = await rate(1, '窗口人员态度恶劣，多次催促');
    const b = await rate(2, '排队时间太长，无人引导');
    const c = await rate(1, '材料清单与实际要求不一致');
    ok(await admin.req('POST', `/api/rectification/cases/${a.caseId}/verify`, { finding: 'confirmed', note: '核实属实' }));
    ok(await admin.req('POST', `/api/rectification/cases/${a.caseId}/rectify`, { measures: '窗口服务规范培训' }));
    ok(await admin.req('POST', `/api/rectification/cases/${a.caseId}/feedback`, { message: '已电话说明' }));
    ok(await post(`/api/reviews/visits/${a.token}/rerate`, { channel: 'window_device', level: 4, scores: onsite(4), comment: '整改后满意' }));
    const closedBefore = ok(await admin.req('GET', `/api/rectification/cases/${a.caseId}`));
    expect(closedBefore).toMatchObject({ state: 'closed', closedReason: 'rerated' });
    const file = ok(await admin.req('POST', '/api/rectification/evidence', { filename: '录像.pdf', contentType: 'application/pdf', dataBase64: samplePdf('video').toString('base64') }), 201);
    ok(await admin.req('POST', `/api/rectification/cases/${b.caseId}/appeal`, { reason: '录像显示当日无排队，评价与事实不符', evidenceFileIds: [file.id] }));
    await rollupMatchesLive();
    // Two top ratings more: five reviews of the department within seconds of conclusion on one day are flagged.
    await rate(5);
    await rate(5);
    const flag = (ok(await supervisor.req('GET', '/api/rectification/flags')) as { id: string; kind: string; bucket: string; state: string; reviewIds: string[] }[]).find((f) => f.kind === 'fast_after_conclusion' && f.bucket === '2026-03-10')!;
    expect(flag.reviewIds).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    const timers = () => app.database.db.selectFrom('jobs').select(['state']).where('queue', '=', QUEUE_TIMER).where('dedupe_key', 'like', `${c.caseId}:%`).where('state', '=', 'pending').execute();
    expect((await timers()).length).toBeGreaterThan(0);
    const s0 = await scjgStats();

    const res = ok(await supervisor.req('POST', `/api/rectification/flags/${flag.id}/resolve`, { decision: 'confirmed', note: '同一窗口办结即评，确认刷评' }));
    expect(res).toMatchObject({ state: 'confirmed', annulled: 5, closedCases: 2 });
    // Closed stays closed, unchanged.
    const aAfter = ok(await admin.req('GET', `/api/rectification/cases/${a.caseId}`));
    expect(aAfter).toMatchObject({ state: 'closed', closedReason: 'rerated', closedAt: closedBefore.closedAt });
    expect(aAfter.events.map((e: { type: string }) => e.type)).toEqual(closedBefore.events.map((e: { type: string }) => e.type));
    // The appealed case and the case in verification end with the reason, on their timelines.
    for (const id of [b.caseId, c.caseId]) {
      const k = ok(await admin.req('GET', `/api/rectification/cases/${id}`));
      expect(k).toMatchObject({ state: 'annulled', closedReason: 'review_annulled', closedReasonLabel: { zh: '评价经认定为刷评，已作废' }, stepDue: null });
      expect(k.closedAt).not.toBeNull();
      expect(k.events.at(-1)).toMatchObject({ type: 'review_annulled', actor: expect.any(String) });
      expect((await notes(admin)).some((n) => n.template === 'review.case_annulled' && n.link === `/admin/rectification/${id}`)).toBe(true);
    }
    const audit = await app.database.db.selectFrom('audit_log').select(['entity_id']).where('action', '=', 'rectification.annul').execute();
    expect(audit.map((x) => x.entity_id).sort()).toEqual([b.caseId, c.caseId].sort());
    // The moot appeal cannot be decided any more; nothing further to do on either case.
    const before = await tableCounts(app);
    expectProblem(await supervisor.req('POST', `/api/rectification/cases/${b.caseId}/appeal-decision`, { uphold: false, note: '驳回' }), 409, 'CASE_STATE_CONFLICT');
    expectProblem(await admin.req('POST', `/api/rectification/cases/${c.caseId}/verify`, { finding: 'confirmed', note: '核实' }), 409, 'CASE_STATE_CONFLICT');
    expect(await tableCounts(app)).toEqual(before);
    // Timers stopped: none pending, and past the deadline nothing is escalated.
    expect(await timers()).toEqual([]);
    clock.set('2026-03-13T02:00:00Z');
    await dueNow(QUEUE_TIMER);
    const cAfter = ok(await admin.req('GET', `/api/rectification/cases/${c.caseId}`));
    expect(cAfter.slaState).toBe('normal');
    expect(cAfter.events.map((e: { type: string }) => e.type)).not.toContain('escalated');
    // The reviews left the statistics; their cases with them; the roll-up still equals the live figures.
    const s1 = await scjgStats();
    expect(s1.total).toBe(s0.total - 5);
    expect(s1.cases).toBe(s0.cases - 3);
    await rollupMatchesLive();
    clock.set('2026-03-02T02:00:00Z');
  });
});
