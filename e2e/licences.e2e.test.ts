/**
 * E-licences in a real browser against the real server: 李娜 opens her wallet, chooses two fields
 * of her 结婚证 to disclose and gets a QR code; a verifier (not signed in) opens the link and sees
 * exactly those two fields, valid, with every check passed; the civil affairs decider revokes the
 * licence through the API; the same link then shows it revoked and nothing of it. Axe checks the
 * wallet, the presentation and both verification results. Every wait is on an effect.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, useBrowserRig } from './harness';

const rig = useBrowserRig();
const open = () => rig.open();

describe('e-licences: present two fields, verify, revoke', { timeout: 600_000 }, () => {
  it('a verifier sees exactly the two disclosed fields, valid; after revocation, revoked', async () => {
    const holder = await rig.person('李娜');
    await holder.goto('/portal/licences');
    await holder.getByTestId('licence-card-marriage_certificate').waitFor();
    expect(await axeSerious(holder, 'wallet')).toEqual([]);
    await holder.getByTestId('licence-link-marriage_certificate').click();
    await holder.getByTestId('licence-detail').waitFor();
    const licenceId = holder.url().split('/').pop()!;

    // The defaults are the card's fields (持证人, 配偶姓名, 登记日期): keep two of them.
    const spouse = holder.getByTestId('field-spouseName');
    await spouse.waitFor();
    if (await spouse.isChecked()) await spouse.uncheck();
    for (const k of ['holderName', 'registeredOn']) if (!(await holder.getByTestId(`field-${k}`).isChecked())) await holder.getByTestId(`field-${k}`).check();
    await holder.getByTestId('present-submit').click();
    const link = holder.getByTestId('presentation-link');
    await link.waitFor();
    expect(await holder.getByTestId('presentation').locator('svg').count()).toBeGreaterThan(0);
    expect(await axeSerious(holder, 'presentation')).toEqual([]);
    const url = new URL((await link.getAttribute('href'))!);

    // A verifier scans the QR code: no sign-in.
    const verifier = await open();
    await verifier.goto(url.pathname);
    const result = verifier.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('valid');
    const shown = await verifier.locator('[data-testid^="verify-field-"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-testid'), e.textContent]));
    expect(shown).toEqual([
      ['verify-field-holderName', '李娜'],
      ['verify-field-registeredOn', '2016-05-20'],
    ]);
    expect(await verifier.getByText('陈建华').count()).toBe(0); // the spouse's name was not disclosed
    expect(await verifier.getByTestId('verify-status').textContent()).toContain('证照有效');
    expect(await axeSerious(verifier, 'verify valid')).toEqual([]);

    // The civil affairs bureau revokes the licence (its decider, through the API).
    const staff = await rig.staff('mzj.decider');
    const revoked = await staff.evaluate(async (id) => {
      const me = await (await fetch('/api/auth/me')).json();
      const res = await fetch(`/api/licences/${id}/status`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: JSON.stringify({ action: 'revoke', reason: '登记错误，依法撤销（测试）' }) });
      return { status: res.status, body: await res.json() };
    }, licenceId);
    expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked' } });

    await verifier.reload();
    await expect.poll(async () => verifier.getByTestId('verify-result').getAttribute('data-status'), { timeout: 60_000, interval: 250 }).toBe('revoked');
    expect(await verifier.getByTestId('verify-status').textContent()).toContain('已吊销');
    expect(await verifier.locator('[data-testid^="verify-field-"]').count()).toBe(0);
    expect(await verifier.getByText('李娜').count()).toBe(0);
    expect(await axeSerious(verifier, 'verify revoked')).toEqual([]);

    // The holder's wallet shows it revoked too.
    await holder.goto('/portal/licences');
    await expect.poll(async () => holder.getByTestId('licence-card-marriage_certificate').getByTestId('licence-status').textContent(), { timeout: 30_000 }).toContain('吊销');
  });
});
