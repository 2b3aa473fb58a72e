/**
 * Accounts and mandates in a real browser: a citizen authorises an agent (a wrong name is refused),
 * the agent acts for her and switches back, she ends the mandate; an enterprise's legal
 * representative authorises and withdraws a staff member (经办人); a department admin creates a staff
 * account and disables it with a reason; the platform admin finds that in the audit log, and a data
 * administrator's audit log offers only the data-governance areas. Every wait is on an effect.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { enterpriseSignIn, useBrowserRig } from './harness';

const POLL = { timeout: 60_000, interval: 250 };
const rig = useBrowserRig();

async function me(page: Page) {
  return page.evaluate(async () => (await fetch('/api/auth/me')).json());
}

describe('accounts and mandates', { timeout: 300_000 }, () => {
  it('a citizen grants a mandate, the agent acts for her and back, she ends it', async () => {
    const zhang = rig.demo.people.find((p) => p.name === '张伟')!;
    const li = rig.demo.people.find((p) => p.name === '李娜')!;
    const principal = await rig.person(zhang.idNumber);
    await principal.goto('/portal/mandates');
    await principal.getByTestId('md-views').waitFor();
    await principal.getByTestId('md-new').click();
    const form = principal.getByTestId('md-form');
    await form.getByTestId('md-agent-name').fill('李四');
    await form.getByTestId('md-agent-id').fill(li.idNumber);
    await form.getByTestId('md-reason').fill('委托代办营业执照变更');
    await principal.getByTestId('md-submit').click();
    // The name does not fit the number: refused, nothing granted.
    await expect.poll(() => principal.getByTestId('error-alert').textContent(), POLL).toContain('姓名与身份证号码不一致');
    await form.getByTestId('md-agent-name').fill(li.name);
    await principal.getByTestId('md-submit').click();
    await expect.poll(() => principal.getByTestId('md-done').textContent(), POLL).toContain(li.name);
    await expect.poll(() => principal.getByTestId('md-given').locator('tr', { hasText: li.name }).textContent(), POLL).toContain('全部事项');

    // The agent sees it among the mandates she holds, acts for 张伟, and switches back here.
    const agent = await rig.person(li.idNumber);
    await agent.goto('/portal/mandates');
    await agent.getByTestId('md-views').getByText(/他人授权我/).click();
    await agent.getByTestId('md-held').getByTestId('md-act').click();
    await agent.waitForURL(/\/portal$/);
    await expect.poll(async () => (await me(agent)).actingFor?.displayName, POLL).toBe(zhang.name);
    await agent.goto('/portal/mandates');
    await agent.getByTestId('md-act-self').click();
    await expect.poll(async () => (await me(agent)).actingFor, POLL).toBeNull();

    // The principal ends it, after confirming.
    await principal.getByTestId('md-given').getByTestId('md-end').click();
    await principal.getByTestId('md-end-confirm').click();
    await expect.poll(() => principal.getByTestId('md-given').textContent(), POLL).toContain('已撤销');
    expect((await agent.evaluate(async () => (await fetch('/api/auth/me')).json())).options.principals.map((p: { displayName: string }) => p.displayName)).not.toContain(zhang.name);
  });

  it("an enterprise's legal representative authorises and withdraws a staff member", async () => {
    const ent = rig.demo.enterprises.find((e) => e.name.startsWith('福州榕城餐饮'))!;
    const rep = rig.demo.people.find((p) => p.idNumber === ent.legalRepIdNumber)!;
    const li = rig.demo.people.find((p) => p.name === '李娜')!;
    const page = await rig.open();
    await enterpriseSignIn(page, ent.uscc, rep.idNumber, rep.password);
    await page.waitForURL(/\/portal$/);
    await page.goto('/portal/mandates');
    await page.getByTestId('est-list').waitFor();
    await page.getByTestId('est-add').click();
    await page.getByTestId('est-id').fill(li.idNumber);
    await page.getByTestId('est-submit').click();
    await expect.poll(() => page.getByTestId('est-list').textContent(), POLL).toContain(li.name);
    const row = page.getByTestId('est-list').locator('tr', { hasText: li.name });
    await row.getByTestId('est-remove').click();
    await page.getByTestId('est-remove-confirm').click();
    await expect.poll(() => row.textContent(), POLL).toContain('已撤销');
  });

  it('a department admin creates and disables a staff account; the audit log shows it, scoped by role', async () => {
    const admin = await rig.staff('scjg.admin', 'admin');
    await admin.goto('/admin/staff');
    await admin.getByTestId('st-list').waitFor();
    await admin.getByTestId('st-new').click();
    await admin.getByTestId('st-display-name').fill('测试窗口');
    await admin.getByTestId('st-username').fill('scjg.e2e');
    await admin.getByTestId('st-password').fill('short1');
    await admin.getByTestId('st-submit').click();
    await expect.poll(() => admin.getByTestId('st-form').textContent(), POLL).toContain('至少 10 位');
    await admin.getByTestId('st-password').fill('Window-2026-e2e');
    await admin.getByTestId('st-submit').click();
    await expect.poll(() => admin.getByTestId('st-done').textContent(), POLL).toContain('scjg.e2e');
    await admin.getByTestId('st-disable-scjg.e2e').click();
    const ok = admin.getByTestId('st-change-ok');
    expect(await ok.isDisabled()).toBe(true); // a reason first
    await admin.getByTestId('st-reason').fill('测试账户，停用');
    await ok.click();
    await expect.poll(() => admin.getByTestId('st-list').locator('tr', { hasText: 'scjg.e2e' }).textContent(), POLL).toContain('已停用');

    // The department admin's audit log: their department's actions, this one among them.
    await admin.goto('/admin/audit');
    await expect.poll(() => admin.getByTestId('au-table').textContent(), POLL).toContain('identity.staff.update');

    const platform = await rig.staff('admin', 'admin');
    await platform.goto('/admin/audit');
    await platform.getByTestId('au-table').waitFor();
    await platform.locator('#action').fill('identity.staff.update');
    await platform.getByTestId('au-search').click();
    await expect.poll(() => platform.getByTestId('au-table').textContent(), POLL).toContain('identity.staff.update');
    const rows = platform.getByTestId('au-table').locator('tbody tr.ant-table-row');
    expect(await rows.count()).toBeGreaterThan(0);
    expect((await rows.allTextContents()).every((t) => t.includes('identity.staff.update'))).toBe(true);

    const data = rig.demo.staff.find((s) => s.kind === 'data_admin')!;
    const dataPage = await rig.staff(data.username, 'admin');
    await dataPage.goto('/admin/audit');
    await dataPage.getByTestId('admin-audit').waitFor();
    await expect.poll(() => dataPage.locator('.yw-lead').textContent(), POLL).toContain('数据共享');
    await dataPage.getByTestId('au-family').click();
    await dataPage.locator('.ant-select-item-option').first().waitFor();
    const options = await dataPage.locator('.ant-select-item-option').allTextContents();
    expect(options.length).toBe(3);
    expect(options.join()).not.toMatch(/identity|身份/);

    // A supervisor reads it from the oversight area.
    const supervisor = rig.demo.staff.find((s) => s.kind === 'supervisor')!;
    const sup = await rig.staff(supervisor.username, 'oversight');
    await sup.goto('/oversight/audit');
    await sup.getByTestId('au-result').waitFor();
  });

  it('a platform admin browses regions and the working calendar, and trusts then stops trusting another region\'s issuer', async () => {
    const page = await rig.staff('admin', 'admin');
    await page.goto('/admin/regions');
    const current = page.getByTestId('rg-current');
    await current.waitFor();
    const top = await current.textContent();
    await page.getByTestId('rg-children').getByRole('button').first().click();
    await expect.poll(() => current.textContent(), POLL).not.toBe(top);
    await page.getByTestId('rg-departments').waitFor();
    // A department created, then renamed (机构改革): its code stays.
    await page.getByTestId('rg-new-dept').click();
    const nd = page.getByRole('dialog');
    await nd.locator('#name').fill('改革前测试局');
    await nd.locator('#nameEn').fill('Pre-reform Test Bureau');
    await nd.locator('#code').fill('E2E-REFORM');
    await nd.getByRole('button', { name: '创建' }).click();
    const row = page.getByTestId('rg-departments').locator('tr', { hasText: 'E2E-REFORM' });
    await expect.poll(() => row.textContent(), POLL).toContain('改革前测试局');
    await row.getByTestId('rg-edit-dept').click();
    const ed = page.getByRole('dialog');
    await expect.poll(() => ed.locator('#code').isDisabled(), POLL).toBe(true);
    await ed.locator('#name').fill('改革后测试局');
    await ed.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => row.textContent(), POLL).toContain('改革后测试局');
    await page.getByTestId('rg-views').getByText('工作日历').click();
    await expect.poll(() => page.getByTestId('rg-calendar').textContent(), POLL).toContain('暂定');

    await page.goto('/admin/federation');
    await page.getByTestId('fd-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#name').fill('北京市电子证照签发机构');
    await dialog.locator('#nameEn').fill('Beijing e-licence issuer');
    await dialog.locator('#iss').fill('https://bj.example/issuers/e2e');
    await dialog.locator('#regionCode').fill('110000');
    await dialog.locator('#jwks').fill('{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"rfc8037"}]}');
    await dialog.getByRole('button', { name: '确认信任' }).click();
    await expect.poll(() => page.getByTestId('fd-list').textContent(), POLL).toContain('北京市电子证照签发机构');
    await page.getByTestId('fd-list').locator('tr', { hasText: '北京市电子证照签发机构' }).getByTestId('fd-remove').click();
    await page.locator('#fd-reason').fill('测试结束');
    await page.getByRole('dialog').getByRole('button', { name: '取消信任' }).click();
    await page.getByTestId('fd-none').waitFor();
  });
});
