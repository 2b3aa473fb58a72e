/**
 * The simulated provider's hosted payment page (收银台), server-rendered: Chinese with English,
 * large type, real buttons and labels, visible focus, an alert role for status messages — usable
 * with a screen reader and in the elder-friendly sense of DOMAIN.md §12.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const yuan = (fen: number) => `¥${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · 模拟支付平台 Payment provider (simulated)</title>
<style>
 body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f2f4f7;color:#1a1a1a;font-size:18px;line-height:1.5}
 header{background:#0b5e3b;color:#fff;padding:16px 24px} header h1{margin:0;font-size:22px}
 main{max-width:520px;margin:32px auto;background:#fff;padding:28px;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
 h2{margin-top:0} dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0 0 16px} dt{font-weight:600;color:#333} dd{margin:0;word-break:break-all}
 .amount{font-size:32px;font-weight:700;color:#7a1010}
 button{display:block;margin-top:16px;width:100%;min-height:52px;font-size:20px;border-radius:4px;cursor:pointer;border:2px solid #0b4f9c}
 button.pay{background:#0b4f9c;color:#fff} button.cancel{background:#fff;color:#0b4f9c} button.fail{background:#fff;color:#7a1010;border-color:#7a1010;font-size:16px;min-height:44px}
 button:focus,a:focus{outline:3px solid #e0a800;outline-offset:2px}
 fieldset{margin-top:28px;border:1px dashed #5c5c5c;border-radius:4px;padding:8px 16px 16px} legend{font-size:15px;color:#444;padding:0 4px}
 .msg{padding:12px;border-radius:4px;border:1px solid} .ok{background:#e8f5ec;border-color:#0b5e3b} .bad{background:#fdecea;border-color:#a61b1b;color:#7a1010}
 a.back{display:inline-block;margin-top:20px;font-size:20px;color:#0b4f9c}
 .note{color:#444;font-size:15px;margin-top:24px}
</style></head>
<body><header><h1>模拟支付平台<span lang="en"> · Payment provider (simulated)</span></h1></header>
<main>
${body}
<p class="note">本页模拟支付渠道的收银台，仅用于演示与测试，不会发生真实扣款。<span lang="en">This page simulates a payment provider's checkout for demonstration and tests; no real money moves.</span></p>
</main></body></html>`;
}

export interface PageOrder {
  merchantName: string;
  outTradeNo: string;
  description: string;
  totalFen: number;
  timeExpire: Date;
}

function details(o: PageOrder): string {
  const expire = new Date(o.timeExpire.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
  return `<dl>
<dt>收款方 <span lang="en">Payee</span></dt><dd>${esc(o.merchantName)}</dd>
<dt>订单号 <span lang="en">Order</span></dt><dd>${esc(o.outTradeNo)}</dd>
<dt>项目 <span lang="en">For</span></dt><dd>${esc(o.description)}</dd>
<dt>请在此前支付 <span lang="en">Pay before</span></dt><dd><time datetime="${o.timeExpire.toISOString()}">${expire}（北京时间 <span lang="en">China time</span>）</time></dd>
</dl>
<p>应付金额 <span lang="en">Amount due</span><br><span class="amount" aria-label="${esc(`${(o.totalFen / 100).toFixed(2)} 元`)}">${yuan(o.totalFen)}</span></p>`;
}

export function checkoutPage(o: PageOrder, action: string): string {
  return shell(
    '订单支付',
    `<h2>订单支付 <span lang="en">Pay for your order</span></h2>
${details(o)}
<form method="post" action="${esc(action)}">
<button class="pay" type="submit" name="action" value="pay">确认支付 <span lang="en">Pay ${yuan(o.totalFen)}</span></button>
<button class="cancel" type="submit" name="action" value="cancel">取消支付 <span lang="en">Cancel</span></button>
<fieldset><legend>测试用 <span lang="en">For testing</span></legend>
<button class="fail" type="submit" name="action" value="fail">模拟支付失败（如余额不足） <span lang="en">Simulate a failed payment (e.g. insufficient funds)</span></button>
</fieldset>
</form>`,
  );
}

const STATUS: Record<string, { zh: string; en: string; ok: boolean }> = {
  SUCCESS: { zh: '该订单已支付。', en: 'This order has been paid.', ok: true },
  REVOKED: { zh: '该订单已取消。', en: 'This order was cancelled.', ok: false },
  PAYERROR: { zh: '该订单支付失败。', en: 'The payment of this order failed.', ok: false },
  CLOSED: { zh: '该订单已关闭，不能再支付。', en: 'This order is closed and can no longer be paid.', ok: false },
  EXPIRED: { zh: '该订单已超过支付期限。', en: 'The time to pay this order has passed.', ok: false },
};

export function statusPage(o: PageOrder | null, state: string, backUrl: string | null): string {
  const s = STATUS[state] ?? { zh: '找不到该支付订单。', en: 'No such payment order.', ok: false };
  return shell(
    '订单状态',
    `<h2>订单状态 <span lang="en">Order status</span></h2>
<p class="msg ${s.ok ? 'ok' : 'bad'}" role="alert">${esc(s.zh)} <span lang="en">${esc(s.en)}</span></p>
${o ? details(o) : ''}
${backUrl ? `<a class="back" href="${esc(backUrl)}">返回商户页面 <span lang="en">Back to the merchant</span></a>` : ''}`,
  );
}
