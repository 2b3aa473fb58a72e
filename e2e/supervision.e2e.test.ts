/**
 * The supervisor's pages of 好差评 and 12345 in a real browser, on the demo data: a department
 * appeals a 差评 with an evidence file and the supervisor rejects the appeal
 * (/oversight/reviews/appeals); the supervisor confirms the department's gaming flag and the
 * case of the flagged 差评 ends as "review annulled" (/oversight/reviews/flags); a follow-up call
 * is drawn and recorded (/oversight/reviews/follow-ups); an inquiry no rule could route is
 * dispatched by hand (/oversight/inquiries/dispatch). Every wait is on an effect.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { samplePdf } from '../apps/server/src/modules/files/files.fixtures';
import { useBrowserRig } from './harness';

const POLL = { timeout: 60_000, interval: 250 };
const rig = useBrowserRig();

/** A JSON request as the user signed in on `page` (its session cookie and CSRF token). */
async function api<T>(page: Page, method: string, url: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ([m, u, b]) => {
      const me = await (await fetch('/api/auth/me')).json();
      const r = await fetch(u, { method: m, headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: b === undefined ? undefined : JSON.stringify(b) });
      if (!r.ok) throw new Error(`${m} ${u} → ${r.status} ${await r.text()}`);
      return r.json();
    },
    [method, url, body] as const,
  ) as Promise<T>;
}

describe('supervision of 好差评 and 12345', { timeout: 600_000 }, () => {
  it('decides an appeal, confirms a gaming flag (the case of its 差评 ends), records a follow-up call, dispatches an inquiry', async () => {
    // A 差评 at the market regulation bureau's window (set up through the API: the rating pages have their own test).
    const clerk = await rig.staff('scjg.window');
    const visit = await api<{ token: string }>(clerk, 'POST', '/api/reviews/visits', { personName: '吴先生' });
    const level = 1;
    const rated = await fetch(`${rig.server.url}/api/reviews/visits/${visit.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'window_device', level, scores: { overall: level, efficiency: level, service_level: level, attitude: level }, comment: '叫号系统故障，等候两个小时' }),
    });
    expect(rated.status).toBe(201);
    const review = (await rated.json()) as { id: string; case: { id: string; number: string } };

    // 1. The department admin appeals it with an evidence file.
    const admin = await rig.staff('scjg.admin', 'admin');
    await admin.goto(`/admin/rectification/${review.case.id}`);
    const form = admin.getByTestId('appeal-form');
    await form.getByTestId('appeal-reason').fill('当日叫号系统运行正常，录像可证，评价与事实不符');
    await form.getByTestId('appeal-file').setInputFiles({ name: '叫号记录.pdf', mimeType: 'application/pdf', buffer: samplePdf('queue-log') });
    await expect.poll(() => form.getByTestId('appeal-files').locator('li').count(), POLL).toBe(1);
    await form.getByTestId('appeal-submit').click();
    await admin.locator('[data-testid="case-detail"][data-state="appealed"]').waitFor();

    // 2. The supervisor finds it among the appeals, sees the evidence, and rejects the appeal.
    const sup = await rig.staff('fz.supervisor', 'oversight');
    await sup.goto('/oversight/reviews/appeals');
    await sup.locator(`[data-testid="appeal-row"][data-number="${review.case.number}"] a`).click();
    const detail = sup.getByTestId('appeal-detail');
    await expect.poll(() => detail.getByTestId('appeal-evidence').locator('a').count(), POLL).toBe(1);
    await detail.getByTestId('appeal-note').fill('证据不能证明当日服务正常，驳回申诉');
    await detail.getByTestId('appeal-reject').click();
    await sup.locator('[data-testid="appeal-detail"][data-state="verifying"]').waitFor();
    await expect.poll(() => sup.getByTestId('appeal-decision').textContent(), POLL).toContain('驳回');

    // 3. The department's reviews given within seconds of conclusion are flagged; confirming the flag
    //    annuls them, and the case of this 差评 ends with the reason.
    const flags = await api<{ id: string; state: string; reviewIds: string[] }[]>(sup, 'GET', '/api/rectification/flags');
    const flag = flags.find((f) => f.state === 'open' && f.reviewIds.includes(review.id));
    expect(flag, 'an open flag holds the new 差评').toBeTruthy();
    await sup.goto('/oversight/reviews/flags');
    const card = sup.locator(`[data-testid="flag-card"][data-id="${flag!.id}"]`);
    await card.getByTestId('flag-note').fill('同一窗口办结即评，确认刷评');
    await card.getByTestId('flag-confirm').click();
    await sup.locator(`[data-testid="flag-card"][data-id="${flag!.id}"][data-state="confirmed"]`).waitFor();
    await sup.goto(`/oversight/reviews/cases/${review.case.id}`);
    await sup.locator('[data-testid="appeal-detail"][data-state="annulled"]').waitFor();
    expect(await sup.getByTestId('case-closed-reason').getAttribute('data-reason')).toBe('review_annulled');
    await expect.poll(() => sup.locator('[data-testid="case-events"] li[data-type="review_annulled"]').count(), POLL).toBe(1);

    // 4. A follow-up call (回访) is drawn from the concluded cases and recorded.
    await sup.goto('/oversight/reviews/follow-ups');
    await sup.getByTestId('fu-source').selectOption('rectification');
    await sup.getByTestId('fu-count').fill('1');
    await sup.getByTestId('fu-sample').click();
    await sup.getByTestId('fu-drawn').waitFor();
    const call = sup.getByTestId('follow-up-row').first();
    await call.getByTestId('fu-note').fill('回访群众，表示满意');
    await call.getByTestId('fu-save').click();
    await expect.poll(() => sup.getByTestId('follow-ups-done').textContent().catch(() => ''), POLL).toContain('回访群众，表示满意');

    // 5. An inquiry no dispatch rule covers is dispatched by hand.
    await sup.goto('/oversight/inquiries/dispatch');
    const row = sup.getByTestId('dispatch-row').first();
    const number = await row.getAttribute('data-number');
    await row.locator('a').click();
    const one = sup.getByTestId('dispatch-detail');
    await one.waitFor();
    await expect.poll(() => one.getByTestId('dispatch-dept').locator('option').count(), POLL).toBeGreaterThan(1);
    await one.getByTestId('dispatch-dept').selectOption({ index: 1 });
    await one.getByTestId('dispatch-submit').click();
    await sup.getByTestId('dispatch-done').waitFor();
    expect(await one.getAttribute('data-state')).not.toBe('pending_dispatch');
    await sup.goto('/oversight/inquiries/dispatch');
    await sup.getByTestId('dispatch-page').waitFor();
    await expect.poll(() => sup.locator(`[data-testid="dispatch-row"][data-number="${number}"]`).count(), POLL).toBe(0);
  });
});
