/**
 * The printable receipt (受理回执 / 收件回执) as an HTML page with a QR code of the tracking URL
 * (npm `qrcode`, rendered as inline SVG: no script, no external resource, prints as it shows).
 */
import QRCode from 'qrcode';

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const chinaTime = (iso: unknown) => (typeof iso === 'string' && iso ? new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : '');

export async function receiptHtml(r: Record<string, unknown>, nodeName: string): Promise<string> {
  const track = String(r.trackUrl ?? '');
  const qr = track ? await QRCode.toString(track, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 160 }) : '';
  const rows: [string, string, unknown][] = [
    ['办件编号', 'Application number', r.number],
    ['事项名称', 'Service', r.itemName ?? r.bundle],
    ['事项编码', 'Item code', r.itemCode],
    ['申请人', 'Applicant', r.applicant],
    ['受理部门', 'Department', r.department ?? r.leadDepartment],
    ['提交时间', 'Submitted', chinaTime(r.submittedAt)],
    ['受理时间', 'Accepted', chinaTime(r.acceptedAt)],
    ['承诺办结日期', 'Promised by', r.promisedDue ? `${r.promisedDue}（${r.promisedDays} 个工作日）` : r.promisedDays ? `${r.promisedDays} 个工作日` : ''],
    ['法定办结日期', 'Legal limit', r.legalDue ? `${r.legalDue}（${r.legalDays} 个工作日）` : ''],
  ];
  const items = Array.isArray(r.items) ? (r.items as { number: string; name: string; department: string }[]) : [];
  const title = String(r.title ?? '回执');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} ${esc(r.number)}</title>
<style>
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;color:#111;max-width:720px;margin:24px auto;padding:0 16px;line-height:1.6}
h1{text-align:center;font-size:24px;margin:0 0 4px}.sub{text-align:center;color:#333;margin:0 0 16px}
table{width:100%;border-collapse:collapse;margin:12px 0}th,td{border:1px solid #444;padding:6px 8px;text-align:left;vertical-align:top}th{width:32%;background:#f2f2f2;font-weight:600}
.en{display:block;font-size:12px;color:#444;font-weight:400}.qr{float:right;text-align:center;font-size:12px;margin:0 0 8px 16px}.qr svg{width:140px;height:140px}
.note{font-size:14px;color:#222}.seal{text-align:right;margin-top:24px}@media print{.noprint{display:none}body{margin:0}}
</style></head><body>
<div class="qr">${qr}<div>扫码查询办理进度<br><span lang="en">Scan to track</span></div></div>
<h1>${esc(title)}</h1><p class="sub">${esc(nodeName)}</p>
<table>${rows.filter(([, , v]) => v !== undefined && v !== null && v !== '').map(([zh, en, v]) => `<tr><th scope="row">${zh}<span class="en" lang="en">${en}</span></th><td>${esc(v)}</td></tr>`).join('')}</table>
${items.length ? `<table><caption>包含事项 / Items</caption><tr><th scope="col">编号</th><th scope="col">事项</th><th scope="col">部门</th></tr>${items.map((i) => `<tr><td>${esc(i.number)}</td><td>${esc(i.name)}</td><td>${esc(i.department)}</td></tr>`).join('')}</table>` : ''}
${r.note ? `<p class="note">${esc(r.note)}</p>` : ''}
<p class="note">查询地址 / Tracking: <a href="${esc(track)}">${esc(track)}</a></p>
<p class="seal">${esc(r.department ?? r.leadDepartment ?? nodeName)}<br>${esc(chinaTime(r.acceptedAt ?? r.submittedAt))}</p>
<p class="noprint"><button type="button" onclick="window.print()">打印 / Print</button></p>
</body></html>`;
}
