/**
 * The holder's wallet: their licences, the human-readable rendition (an HTML card with a QR code),
 * presentations with only the fields they choose (a short-lived link and QR), and the record of
 * who used their licences (授权用证).
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { subjectOf, type RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import { errors } from '../../shared/errors';
import { maskResidentId } from '../../shared/masking';
import type { OrgService } from '../org';
import { licenceErrors } from './licences.errors';
import { effectiveStatus, type LicenceIssuance } from './licences.issuance';
import { licencesRepo, presentationsRepo, usesRepo } from './licences.repository';
import type { LicencesTable } from './licences.tables';
import { licenceType } from './licences.types';
import { presentSdJwt } from './sd-jwt';


export const STATUS_LABELS = {
  valid: { zh: '有效', en: 'Valid' },
  suspended: { zh: '已暂停', en: 'Suspended' },
  revoked: { zh: '已吊销/注销', en: 'Revoked' },
  expired: { zh: '已过期', en: 'Expired' },
} as const;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

export class LicenceWallet {
  constructor(
    private readonly db: Db,
    private readonly crypto: FieldCrypto,
    private readonly org: OrgService,
    private readonly issuance: LicenceIssuance,
    private readonly opts: { publicUrl: string; presentationTtlSeconds: number },
  ) {}

  private holderOf(ctx: RequestContext): string {
    if (!ctx.actor) throw errors.unauthenticated();
    return subjectOf(ctx.actor);
  }

  private async own(ctx: RequestContext, id: string) {
    const row = await licencesRepo.byId(this.db, id);
    if (!row || row.holder_account_id !== this.holderOf(ctx)) throw licenceErrors.notFound();
    return row;
  }

  private async present(row: Awaited<ReturnType<typeof licencesRepo.byId>> & object, full: boolean) {
    const def = licenceType(row.type)!;
    const { fields } = this.issuance.open(row);
    const dept = await this.org.department(row.department_id);
    const status = effectiveStatus(row);
    const shown = full ? def.fields : def.fields.filter((f) => def.summary.includes(f.key));
    return {
      id: row.id,
      type: row.type,
      typeName: { zh: def.zh, en: def.en },
      number: row.number,
      holderName: row.holder_name,
      issuer: { id: row.department_id, name: dept?.name ?? '', nameEn: dept?.nameEn ?? '' },
      status,
      statusLabel: STATUS_LABELS[status],
      statusReason: row.status_reason,
      validFrom: row.valid_from.toISOString(),
      validUntil: row.valid_until ? row.valid_until.toISOString() : null,
      issuedAt: row.created_at.toISOString(),
      source: row.source,
      fields: shown
        .filter((f) => fields[f.key] !== undefined)
        .map((f) => ({ key: f.key, zh: f.zh, en: f.en, value: f.sensitive && !full ? maskResidentId(String(fields[f.key])) : fields[f.key], sensitive: !!f.sensitive })),
      defaultFields: def.summary,
    };
  }

  async list(ctx: RequestContext) {
    const rows = await licencesRepo.ofHolder(this.db, this.holderOf(ctx));
    return Promise.all(rows.map((r) => this.present(r, false)));
  }

  async detail(ctx: RequestContext, id: string) {
    return this.present(await this.own(ctx, id), true);
  }

  /** A presentation disclosing only `fields`, bound to the holder's wallet key, valid for the configured minutes. */
  async createPresentation(ctx: RequestContext, id: string, fields: string[]) {
    const row = await this.own(ctx, id);
    const status = effectiveStatus(row);
    if (status !== 'valid') throw licenceErrors.notPresentable(status);
    const def = licenceType(row.type)!;
    const allowed = new Set(['licence_no', ...def.fields.map((f) => f.key)]);
    const chosen = [...new Set(fields)];
    for (const k of chosen) if (!allowed.has(k)) throw licenceErrors.presentationFieldsInvalid(k);
    const { sdJwt } = this.issuance.open(row);
    const presId = randomBytes(16).toString('base64url');
    const holder = await this.issuance.holderSigner(row.holder_account_id);
    const compact = await presentSdJwt(sdJwt, Object.fromEntries(chosen.map((k) => [k, true])), { signer: holder, aud: `${this.opts.publicUrl}/verify`, nonce: presId });
    const expiresAt = new Date(Date.now() + this.opts.presentationTtlSeconds * 1000);
    await this.db.transaction().execute(async (trx) => {
      await presentationsRepo.insert(trx, { id: presId, licence_id: row.id, holder_account_id: row.holder_account_id, fields: JSON.stringify(chosen), compact_sealed: this.crypto.encrypt(compact), expires_at: expiresAt });
      await recordAudit(trx, ctx, { action: 'licences.present', entityType: 'licence', entityId: row.id, detail: { presentationId: presId, fields: chosen } });
    });
    const url = `${this.opts.publicUrl}/verify/p/${presId}`;
    return { id: presId, url, qrSvg: await qrSvg(url), expiresAt: expiresAt.toISOString(), fields: chosen, presentation: compact };
  }

  /** A stored presentation for the public page (404 unknown, 410 expired). */
  async presentation(id: string): Promise<string> {
    const row = await presentationsRepo.byId(this.db, id);
    if (!row) throw licenceErrors.presentationNotFound();
    if (row.expires_at.getTime() <= Date.now()) throw licenceErrors.presentationExpired();
    return this.crypto.decrypt(row.compact_sealed);
  }

  /** The human-readable rendition: a printable card with the summary fields and a QR code of a fresh presentation of them. */
  async rendition(ctx: RequestContext, id: string, lang: 'zh' | 'en'): Promise<string> {
    const view = await this.detail(ctx, id);
    const en = lang === 'en';
    let qr = '';
    let link = '';
    if (view.status === 'valid') {
      const p = await this.createPresentation(ctx, id, view.defaultFields);
      qr = p.qrSvg;
      link = p.url;
    }
    const rows = view.fields
      .filter((f) => view.defaultFields.includes(f.key) || !f.sensitive)
      .map((f) => `<tr><th scope="row">${esc(en ? f.en : f.zh)}</th><td>${esc(f.sensitive ? maskResidentId(String(f.value)) : f.value)}</td></tr>`)
      .join('');
    return `<!doctype html><html lang="${en ? 'en' : 'zh-CN'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(en ? view.typeName.en : view.typeName.zh)} ${esc(view.number)}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f5f5;margin:0;padding:24px;color:#1f1f1f}.card{max-width:720px;margin:auto;background:#fff;border:2px solid #b71c1c;border-radius:12px;padding:24px}h1{color:#b71c1c;text-align:center;margin:0 0 4px;font-size:28px;letter-spacing:4px}.no{text-align:center;color:#555;margin-bottom:16px}.body{display:flex;gap:24px;flex-wrap:wrap}table{flex:1;border-collapse:collapse;min-width:280px}th{text-align:left;color:#555;font-weight:normal;padding:6px 12px 6px 0;white-space:nowrap;vertical-align:top}td{padding:6px 0}.qr{width:180px;text-align:center;font-size:12px;color:#555}.qr svg{width:180px;height:180px}.foot{margin-top:16px;border-top:1px solid #eee;padding-top:12px;font-size:14px;display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px}.st{font-weight:bold;color:${view.status === 'valid' ? '#2e7d32' : '#b71c1c'}}</style></head>
<body><main class="card" data-testid="licence-card"><h1>${esc(en ? view.typeName.en : view.typeName.zh)}</h1><div class="no">${en ? 'No.' : '编号'} ${esc(view.number)}</div>
<div class="body"><table><tbody>${rows}</tbody></table><div class="qr">${qr ? `${qr}<div>${en ? 'Scan to verify (valid for a few minutes)' : '扫码核验（数分钟内有效）'}</div><div style="word-break:break-all">${esc(link)}</div>` : ''}</div></div>
<div class="foot"><span>${en ? 'Issued by' : '发证机关'}：${esc(en ? view.issuer.nameEn : view.issuer.name)}</span><span>${en ? 'Valid' : '有效期'}：${esc(view.validFrom.slice(0, 10))} — ${esc(view.validUntil ? view.validUntil.slice(0, 10) : en ? 'long-term' : '长期')}</span><span class="st">${esc(en ? view.statusLabel.en : view.statusLabel.zh)}</span></div></main></body></html>`;
  }

  /** What the signed-in holder's licences were used for (授权用证). */
  async uses(ctx: RequestContext) {
    return licenceUsesOf(this.db, this.holderOf(ctx));
  }
}

/**
 * Every authorised use of a holder's licences (who, what, when, for what purpose) — for
 * 我的数据使用记录. Newest first.
 */
export async function licenceUsesOf(db: Db, holderAccountId: string) {
  const rows = await usesRepo.ofHolder(db, holderAccountId);
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    kind: 'licence_use' as const,
    licence: { id: r.licence_id, type: r.licence_type, typeName: { zh: licenceType(r.licence_type)?.zh ?? r.licence_type, en: licenceType(r.licence_type)?.en ?? r.licence_type }, number: r.number },
    usedBy: { departmentId: r.used_by_department_id, department: r.department_name, departmentEn: r.department_name_en, name: r.used_by_name },
    purpose: r.purpose as Record<string, unknown>,
    fields: r.fields as string[],
    outcome: r.outcome,
    reason: r.reason,
    logLeafHash: r.leaf_hash,
  }));
}
