/**
 * The adapter for the built-in simulated provider (PAYMENT_PROVIDER=simulated). It speaks to the
 * simulator over HTTP exactly as an adapter for a real gateway would: requests signed with the
 * merchant key (HMAC-SHA256 over sorted parameters), answers and notifications verified with the
 * provider's Ed25519 public key. It never reads the simulator's tables.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type {
  CallbackInput,
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  ProviderEvent,
  ProviderOrder,
  ProviderRefund,
  ProviderTradeState,
  RefundRequest,
  RefundResult,
  StatementLine,
} from './payments.provider';
import { ProviderUnavailable } from './payments.provider';
import { edVerify, edVerifyBytes, hmacSign, publicKeyFrom, type Params } from './signing';

export type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

export interface SimulatedProviderOptions {
  /** Base URL of the gateway, e.g. https://node/pay-sim. */
  baseUrl: string;
  mchId: string;
  merchantKey: string;
  /** The provider's notification-signing public key (base64 SPKI or PEM); fetched from the gateway when absent. */
  publicKey?: string;
  fetch: Fetch;
}

const TRADE_STATES: Record<string, ProviderTradeState> = { NOTPAY: 'pending', SUCCESS: 'paid', PAYERROR: 'failed', REVOKED: 'cancelled', CLOSED: 'closed' };
const REFUND_STATES: Record<string, ProviderRefund['state']> = { PROCESSING: 'pending', SUCCESS: 'succeeded', ABNORMAL: 'failed' };
const PAYMENT_EVENTS: Record<string, 'paid' | 'failed' | 'cancelled' | 'closed'> = {
  TRADE_SUCCESS: 'paid',
  TRADE_PAYERROR: 'failed',
  TRADE_REVOKED: 'cancelled',
  TRADE_CLOSED: 'closed',
};

const date = (v: unknown): Date | null => (typeof v === 'string' && v ? new Date(v) : null);

export class SimulatedProvider implements PaymentProvider {
  readonly name = 'simulated';
  private key?: Promise<KeyObject>;

  constructor(private readonly o: SimulatedProviderOptions) {}

  private publicKey(): Promise<KeyObject> {
    this.key ??= (async () => {
      if (this.o.publicKey) return publicKeyFrom(this.o.publicKey);
      const res = await this.o.fetch(`${this.o.baseUrl}/api/public-key`);
      if (!res.ok) throw new ProviderUnavailable(`public key: HTTP ${res.status}`);
      return publicKeyFrom(((await res.json()) as { publicKey: string }).publicKey);
    })().catch((err) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private signed(params: Params): Params {
    const p: Params = { ...params, mch_id: this.o.mchId, timestamp: Math.floor(Date.now() / 1000), nonce: randomUUID().replace(/-/g, '') };
    p.sign = hmacSign(p, this.o.merchantKey);
    return p;
  }

  /** A signed request; a verified answer, or the provider's error code (4xx). */
  private async call(path: string, params: Params): Promise<{ ok: true; body: Params } | { ok: false; status: number; code: string }> {
    let res: Response;
    try {
      res = await this.o.fetch(`${this.o.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.signed(params)) });
    } catch (err) {
      throw new ProviderUnavailable(`${path}: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Params;
    if (res.status >= 500) throw new ProviderUnavailable(`${path}: HTTP ${res.status}`);
    if (!res.ok) return { ok: false, status: res.status, code: String(body.code ?? 'ERROR') };
    if (!edVerify(body, await this.publicKey())) throw new ProviderUnavailable(`${path}: the answer's signature does not verify`);
    return { ok: true, body };
  }

  async createCharge(req: ChargeRequest): Promise<ChargeResult> {
    const r = await this.call('/api/orders', {
      out_trade_no: req.orderNo,
      total_fen: req.amountFen,
      currency: req.currency,
      description: req.description,
      return_url: req.returnUrl,
      notify_url: req.notifyUrl,
      time_expire: req.expiresAt.toISOString(),
    });
    if (!r.ok) throw new ProviderUnavailable(`create: ${r.code}`);
    return { payUrl: String(r.body.pay_url), providerTradeNo: String(r.body.trade_no) };
  }

  async query(orderNo: string): Promise<ProviderOrder> {
    const r = await this.call('/api/orders/query', { out_trade_no: orderNo });
    if (!r.ok) {
      if (r.code === 'ORDER_NOT_EXIST') return { orderNo, state: 'not_found', providerTradeNo: null, amountFen: null, currency: null, paidAt: null, refunds: [] };
      throw new ProviderUnavailable(`query: ${r.code}`);
    }
    const b = r.body;
    const refunds = (Array.isArray(b.refunds) ? b.refunds : []) as Params[];
    return {
      orderNo,
      state: TRADE_STATES[String(b.trade_state)] ?? 'pending',
      providerTradeNo: String(b.trade_no),
      amountFen: Number(b.total_fen),
      currency: String(b.currency),
      paidAt: date(b.paid_at),
      refunds: refunds.map((x) => ({
        refundNo: String(x.out_refund_no),
        providerRefundNo: String(x.refund_no),
        amountFen: Number(x.refund_fen),
        state: REFUND_STATES[String(x.status)] ?? 'pending',
        finishedAt: date(x.success_at),
      })),
    };
  }

  async close(orderNo: string): Promise<{ state: ProviderTradeState }> {
    const r = await this.call('/api/orders/close', { out_trade_no: orderNo });
    if (!r.ok) {
      if (r.code === 'ORDER_NOT_EXIST') return { state: 'not_found' };
      if (r.code === 'ORDER_PAID') return { state: 'paid' };
      throw new ProviderUnavailable(`close: ${r.code}`);
    }
    return { state: TRADE_STATES[String(r.body.trade_state)] ?? 'closed' };
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    const r = await this.call('/api/refunds', {
      out_trade_no: req.orderNo,
      out_refund_no: req.refundNo,
      refund_fen: req.amountFen,
      total_fen: req.totalFen,
      reason: req.reason,
      notify_url: req.notifyUrl,
    });
    if (!r.ok) return { accepted: false, reason: r.code };
    return { accepted: true, providerRefundNo: String(r.body.refund_no) };
  }

  async verifyCallback(input: CallbackInput): Promise<boolean> {
    const b = input.body as Params;
    if (!b || typeof b !== 'object' || b.mch_id !== this.o.mchId) return false;
    return edVerify(b, await this.publicKey());
  }

  parseEvent(input: CallbackInput): ProviderEvent {
    const b = input.body as Params;
    const need = (k: string) => {
      if (b[k] === undefined || b[k] === null || b[k] === '') throw new Error(`${k} is missing`);
      return b[k];
    };
    const type = String(need('event_type'));
    const base = { eventId: String(need('notify_id')), orderNo: String(need('out_trade_no')), occurredAt: date(b.notify_time) ?? new Date() };
    if (PAYMENT_EVENTS[type]) {
      const amount = Number(need('total_fen'));
      if (!Number.isSafeInteger(amount)) throw new Error('total_fen is not an integer');
      return { kind: 'payment', ...base, state: PAYMENT_EVENTS[type], providerTradeNo: b.trade_no ? String(b.trade_no) : null, amountFen: amount, currency: String(need('currency')), paidAt: date(b.paid_at) };
    }
    if (type === 'REFUND_SUCCESS' || type === 'REFUND_ABNORMAL') {
      const amount = Number(need('refund_fen'));
      if (!Number.isSafeInteger(amount)) throw new Error('refund_fen is not an integer');
      return {
        kind: 'refund',
        ...base,
        refundNo: String(need('out_refund_no')),
        providerRefundNo: b.refund_no ? String(b.refund_no) : null,
        state: type === 'REFUND_SUCCESS' ? 'succeeded' : 'failed',
        amountFen: amount,
        finishedAt: date(b.success_at),
      };
    }
    throw new Error(`unknown event_type ${type}`);
  }

  acknowledgement() {
    return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ code: 'SUCCESS', message: '成功' }) };
  }

  async statement(day: string): Promise<StatementLine[]> {
    const q = new URLSearchParams(Object.entries(this.signed({ date: day })).map(([k, v]) => [k, String(v)]));
    let res: Response;
    try {
      res = await this.o.fetch(`${this.o.baseUrl}/api/statement?${q}`);
    } catch (err) {
      throw new ProviderUnavailable(`statement: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new ProviderUnavailable(`statement: HTTP ${res.status} ${text.slice(0, 200)}`);
    const sig = res.headers.get('x-paysim-signature') ?? '';
    if (!edVerifyBytes(text, sig, await this.publicKey())) throw new ProviderUnavailable('statement: the signature does not verify');
    const [head, ...rows] = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
    const cols = head.split(',');
    const at = (name: string) => cols.indexOf(name);
    return rows.map((line) => {
      const f = line.split(',');
      return {
        kind: f[at('type')] === 'REFUND' ? 'refund' : 'payment',
        orderNo: f[at('out_trade_no')],
        refundNo: f[at('out_refund_no')] || null,
        providerTradeNo: f[at('trade_no')] || null,
        amountFen: Number(f[at('amount_fen')]),
        at: new Date(f[at('time')]),
      };
    });
  }
}
