/**
 * 好差评 in a real browser against the real server: a window clerk of the market regulation
 * bureau records a visit and hands over the rating link; the citizen gives a 差评 on it (every
 * indicator chosen, nothing pre-selected); the department verifies, rectifies and feeds back in
 * its workbench within the step deadlines; the citizen re-rates; the public statistics (公示)
 * change at each step and the ledger shows the case closed on time. Then a citizen files a
 * complaint with a map point from the portal and the department answers it. Every wait is on an
 * effect, never a fixed delay.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, personSignIn, useBrowserRig } from './harness';

const POLL = { timeout: 60_000, interval: 250 };

const rig = useBrowserRig();
const open = () => rig.open();

const officer = (username: string) => rig.staff(username);

interface Summary {
  total: number;
  bad: number;
  goodRate: number;
}

async function summary(page: Page): Promise<Summary> {
  await page.goto('/ratings');
  const card = page.getByTestId('ratings-summary');
  await card.waitFor();
  return { total: Number(await card.getAttribute('data-total')), bad: Number(await card.getAttribute('data-bad')), goodRate: Number(await card.getAttribute('data-good-rate')) };
}

async function rateAll(page: Page, form: string, level: number, comment?: string) {
  const f = page.getByTestId(form);
  await f.waitFor();
  for (const k of ['overall', 'efficiency', 'service_level', 'attitude']) await f.getByTestId(`rate-${k}-${level}`).check();
  if (comment) await f.getByTestId('rate-comment').fill(comment);
  await f.getByTestId('rate-submit').click();
  await page.getByTestId('rate-done').waitFor();
}

describe('好差评: a 差评 rectified within its deadline, re-rated, in public', { timeout: 600_000 }, () => {
  it('runs from the window visit to the public ledger', async () => {
    const pub = await open();
    const s0 = await summary(pub);
    expect(s0.total).toBeGreaterThan(0); // the demo data

    // 1. The window clerk records the visit and gets its rating link.
    const clerk = await officer('scjg.window');
    await clerk.goto('/workbench/rectification');
    await clerk.getByTestId('rectification-page').waitFor();
    await clerk.getByTestId('visit-person').fill('周女士');
    await clerk.getByTestId('visit-create').click();
    const link = await clerk.getByTestId('visit-link').getAttribute('href');
    expect(link).toMatch(/\/rate\/[A-Za-z0-9_-]+$/);

    // 2. The citizen rates on the window device: nothing is pre-selected; a 差评 needs a reason.
    const citizen = await open();
    await citizen.goto(new URL(link!).pathname);
    const form = citizen.getByTestId('rating-form');
    await form.waitFor();
    expect(await form.locator('input[type=radio]:checked').count()).toBe(0);
    expect(await axeSerious(citizen, 'rate visit')).toEqual([]);
    await form.getByTestId('rate-submit').click();
    await form.getByRole('alert').waitFor(); // every item must be rated
    for (const k of ['overall', 'efficiency', 'service_level', 'attitude']) await form.getByTestId(`rate-${k}-1`).check();
    await form.getByTestId('rate-submit').click();
    await form.getByTestId('error-alert').waitFor(); // the server asks for the reason
    await rateAll(citizen, 'rating-form', 1, '窗口让我来回跑了三趟，材料要求每次都不一样');
    expect(await citizen.getByTestId('review-case').getAttribute('data-state')).toBe('verifying');

    const s1 = await summary(pub);
    expect(s1.total).toBe(s0.total + 1);
    expect(s1.bad).toBe(s0.bad + 1);
    expect(s1.goodRate).toBeLessThan(s0.goodRate);

    // 3. The department verifies, rectifies and feeds back, each within its step deadline.
    const reviewer = await officer('scjg.reviewer');
    await reviewer.goto('/workbench/rectification');
    const row = reviewer.locator('[data-testid="case-row"][data-state="verifying"]').first();
    await expect
      .poll(async () => {
        if ((await row.count()) > 0) return true;
        await reviewer.getByTestId('cases-refresh').click();
        return false;
      }, POLL)
      .toBe(true);
    await row.locator('a').first().click();
    const detail = reviewer.getByTestId('case-detail');
    await detail.waitFor();
    expect(await detail.getAttribute('data-state')).toBe('verifying');
    expect(await reviewer.getByTestId('case-due').textContent()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await axeSerious(reviewer, 'case detail')).toEqual([]);
    await reviewer.getByTestId('case-finding').selectOption('confirmed');
    await reviewer.getByTestId('case-text').fill('调取窗口录像核实：材料清单未一次性告知，情况属实。');
    await reviewer.getByTestId('case-verify').click();
    await expect.poll(() => detail.getAttribute('data-state'), POLL).toBe('rectifying');
    await reviewer.getByTestId('case-text').fill('窗口材料清单统一上墙并网上公布，开展一次性告知培训。');
    await reviewer.getByTestId('case-rectify').click();
    await expect.poll(() => detail.getAttribute('data-state'), POLL).toBe('feedback');
    await reviewer.getByTestId('case-text').fill('已电话向您致歉并说明整改措施，欢迎再次评价。');
    await reviewer.getByTestId('case-feedback').click();
    await expect.poll(() => detail.getAttribute('data-state'), POLL).toBe('awaiting_rerate');

    const s2 = await summary(pub);
    expect(s2.bad).toBe(s1.bad); // rectified, not yet re-rated

    // 4. The citizen re-rates with the same link.
    await citizen.reload();
    await rateAll(citizen, 'rerate-form', 4);
    await expect.poll(() => citizen.getByTestId('review-summary').getAttribute('data-level'), POLL).toBe('4');
    expect(await citizen.getByTestId('review-case').getAttribute('data-state')).toBe('closed');

    // 5. The public statistics change; the ledger shows the case closed, on time, the name masked.
    const s3 = await summary(pub);
    expect(s3.total).toBe(s1.total);
    expect(s3.bad).toBe(s0.bad);
    expect(s3.goodRate).toBeGreaterThan(s1.goodRate);
    const ledger = pub.locator('[data-testid="ledger-row"][data-state="closed"]').filter({ hasText: '周*' });
    await ledger.first().waitFor();
    expect(await ledger.first().textContent()).toContain('按时');
    expect(await pub.content()).not.toContain('周女士');
  });

  it('takes a complaint with a map point from the portal; the department answers; the citizen confirms', async () => {
    const p = rig.demo.people[0];
    const page = await open();
    await personSignIn(page, p.idNumber, p.password, '/portal/inquiries/new');
    await page.waitForURL(/\/portal\/inquiries\/new$/);
    await page.getByTestId('inquiry-form').waitFor();
    await page.getByTestId('inq-kind-complaint').check();
    await page.getByTestId('inq-category').selectOption('consumer');
    await page.getByTestId('inq-title').fill('网店拒不退款');
    await page.getByTestId('inq-content').fill('在鼓楼区某商店购买的商品有质量问题，商家拒绝退款。');
    // A point by clicking in the box of the region (鼓楼区), shown as a pin and as coordinates.
    const box = page.getByTestId('map-box');
    await box.scrollIntoViewIfNeeded();
    const bb = (await box.boundingBox())!;
    await box.click({ position: { x: bb.width / 2, y: bb.height / 2 } });
    await page.getByTestId('map-pin').waitFor();
    const lat = Number(await page.getByTestId('map-lat').inputValue());
    expect(lat).toBeGreaterThan(26.05);
    expect(lat).toBeLessThan(26.17);
    await page.getByTestId('inq-submit').click();
    await page.getByTestId('inquiry-detail').waitFor();
    expect(await page.getByTestId('inquiry-detail').getAttribute('data-state')).toBe('dispatched');
    const id = new URL(page.url()).pathname.split('/').pop()!;

    const dept = await officer('scjg.window');
    await dept.goto(`/workbench/inquiries/${id}`);
    await dept.getByTestId('inquiry-act').waitFor();
    await dept.getByTestId('inq-respond').click();
    await expect.poll(() => dept.getByTestId('inquiry-detail').getAttribute('data-state'), POLL).toBe('responded');
    await dept.getByTestId('inq-reply-text').fill('已约谈商家，商家同意全额退款。');
    await dept.getByTestId('inq-reply').click();
    await expect.poll(() => dept.getByTestId('inquiry-detail').getAttribute('data-state'), POLL).toBe('replied');

    await page.reload();
    await page.getByTestId('inquiry-confirm').waitFor();
    await page.getByTestId('inq-resolved-true').check();
    await page.getByTestId('inq-sat-5').check();
    await page.getByTestId('inq-confirm').click();
    await expect.poll(() => page.getByTestId('inquiry-detail').getAttribute('data-state'), POLL).toBe('closed');
  });
});
