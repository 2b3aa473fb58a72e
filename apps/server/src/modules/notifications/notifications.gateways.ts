/**
 * SMS and e-mail gateways behind two small interfaces, so that a real provider (a carrier's SMS
 * platform, a government SMS gateway, SMTP or a mail API) is one new class and one line in
 * `selectGateways`. Two kinds of failure a real gateway has, and the delivery job treats
 * differently:
 *  - `TransientDeliveryError` (timeouts, 5xx, flow control): the job retries with backoff;
 *  - `PermanentDeliveryError` (invalid or unsubscribed number, rejected content): recorded as a
 *    failed delivery, not retried.
 * Any other exception counts as transient.
 *
 * The message carries the template code and parameters beside the rendered text: Chinese SMS
 * platforms send only pre-registered templates (模板 ID + 参数), so a real adapter maps the code to
 * its registered template; `reference` (the delivery id) is the idempotency key to pass on
 * (e.g. an OutId), as a retried job may send again after a crash.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config';
import type { NotificationLocale } from '../../db/types';
import { maskEmail, maskMobile, maskPersonalDataInText } from '../../shared/masking';
import { validateMobile } from '../../shared/validators';

interface Outgoing {
  /** The destination in clear: a mobile number or an e-mail address. */
  to: string;
  accountId: string;
  templateCode: string;
  params: Record<string, string>;
  locale: NotificationLocale;
  /** Idempotency key: the delivery id. */
  reference: string;
}
export interface OutgoingSms extends Outgoing {
  text: string;
}
export interface OutgoingEmail extends Outgoing {
  subject: string;
  text: string;
}
export interface SendResult {
  /** The provider's message id (for receipts and complaints). */
  messageId: string;
}

export interface SmsGateway {
  readonly name: string;
  send(msg: OutgoingSms): Promise<SendResult>;
}
export interface EmailGateway {
  readonly name: string;
  send(msg: OutgoingEmail): Promise<SendResult>;
}

export class TransientDeliveryError extends Error {
  override readonly name = 'TransientDeliveryError';
}
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}

/**
 * Appends JSON lines to a file: what a development machine has instead of phones and mailboxes.
 * Lines appended while a write is under way (or in the same tick: the messages of a delivery
 * batch are sent together) go to the file in one write afterwards; each `append` resolves once
 * its line is written, and fails if that write fails.
 */
class JsonLines {
  private ready?: Promise<unknown>;
  /** Lines waiting for the next write, and that write. */
  private waiting: string[] = [];
  private next?: Promise<void>;
  /** The write under way (settled: never rejects). */
  private writing: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}
  append(record: Record<string, unknown>): Promise<void> {
    this.waiting.push(`${JSON.stringify(record)}\n`);
    if (!this.next) {
      this.next = this.writing.then(async () => {
        const lines = this.waiting;
        this.waiting = [];
        this.next = undefined;
        this.ready ??= mkdir(this.dir, { recursive: true }).catch((e) => {
          this.ready = undefined; // try again next time (e.g. once the disk is writable)
          throw e;
        });
        await this.ready;
        await appendFile(join(this.dir, this.file), lines.join(''), 'utf8');
      });
      this.writing = this.next.catch(() => undefined);
    }
    return this.next;
  }
}

// Destinations are masked in these files as in every log; the texts too (they may quote personal data).
const smsRecord = (m: OutgoingSms, messageId: string, provider: string) => ({
  at: new Date().toISOString(),
  provider,
  messageId,
  reference: m.reference,
  accountId: m.accountId,
  to: maskMobile(m.to),
  template: m.templateCode,
  locale: m.locale,
  text: maskPersonalDataInText(m.text),
});
const emailRecord = (m: OutgoingEmail, messageId: string, provider: string) => ({
  at: new Date().toISOString(),
  provider,
  messageId,
  reference: m.reference,
  accountId: m.accountId,
  to: maskEmail(m.to),
  template: m.templateCode,
  locale: m.locale,
  subject: maskPersonalDataInText(m.subject),
  text: maskPersonalDataInText(m.text),
});

/** Development adapter: every SMS becomes a line of DATA_DIR/outbox/sms.log. */
export class FileSmsGateway implements SmsGateway {
  readonly name = 'file';
  private readonly out: JsonLines;
  constructor(dir: string) {
    this.out = new JsonLines(dir, 'sms.log');
  }
  async send(m: OutgoingSms): Promise<SendResult> {
    const messageId = `file-${randomUUID()}`;
    await this.out.append(smsRecord(m, messageId, this.name));
    return { messageId };
  }
}

/** Development adapter: every e-mail becomes a line of DATA_DIR/outbox/email.log. */
export class FileEmailGateway implements EmailGateway {
  readonly name = 'file';
  private readonly out: JsonLines;
  constructor(dir: string) {
    this.out = new JsonLines(dir, 'email.log');
  }
  async send(m: OutgoingEmail): Promise<SendResult> {
    const messageId = `file-${randomUUID()}`;
    await this.out.append(emailRecord(m, messageId, this.name));
    return { messageId };
  }
}

export type SimulatedFailure = 'transient' | 'permanent';

/**
 * A stand-in that behaves like a real gateway: it validates the destination (a malformed or
 * unsubscribed one fails permanently), fails transiently at a configured rate or on demand
 * (`failNext`, for tests and drills), answers with its own message ids, and accepts a repeated
 * reference once (as providers with a client reference do). Accepted messages go to the file.
 */
abstract class SimulatedGateway<M extends OutgoingSms | OutgoingEmail> {
  readonly name = 'simulated';
  private readonly scripted: SimulatedFailure[] = [];
  private readonly accepted = new Map<string, string>();
  private readonly blocked = new Set<string>();
  /** Every call, successful or not (for tests). */
  calls = 0;

  constructor(
    protected readonly out: JsonLines,
    private readonly failureRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next `n` sends fail this way. */
  failNext(kind: SimulatedFailure, n = 1): void {
    for (let i = 0; i < n; i++) this.scripted.push(kind);
  }

  /** A destination that unsubscribed (退订) or is on the provider's block list. */
  block(to: string): void {
    this.blocked.add(to);
  }

  protected abstract validDestination(to: string): boolean;
  protected abstract record(m: M, messageId: string): Record<string, unknown>;

  async send(m: M): Promise<SendResult> {
    this.calls++;
    const scripted = this.scripted.shift();
    if (scripted === 'transient') throw new TransientDeliveryError('gateway busy (simulated 503)');
    if (scripted === 'permanent') throw new PermanentDeliveryError('rejected by the carrier (simulated)');
    if (!this.validDestination(m.to)) throw new PermanentDeliveryError('invalid destination');
    if (this.blocked.has(m.to)) throw new PermanentDeliveryError('destination unsubscribed');
    if (this.failureRate > 0 && this.random() < this.failureRate) throw new TransientDeliveryError('gateway timeout (simulated)');
    const known = this.accepted.get(m.reference);
    if (known) return { messageId: known };
    const messageId = `SIM${Date.now().toString(36).toUpperCase()}${randomUUID().slice(0, 8).toUpperCase()}`;
    await this.out.append(this.record(m, messageId));
    this.accepted.set(m.reference, messageId);
    return { messageId };
  }
}

export class SimulatedSmsGateway extends SimulatedGateway<OutgoingSms> implements SmsGateway {
  constructor(dir: string, failureRate = 0, random?: () => number) {
    super(new JsonLines(dir, 'sms.log'), failureRate, random);
  }
  protected validDestination(to: string): boolean {
    return validateMobile(to).ok;
  }
  protected record(m: OutgoingSms, messageId: string) {
    return smsRecord(m, messageId, this.name);
  }
}

export class SimulatedEmailGateway extends SimulatedGateway<OutgoingEmail> implements EmailGateway {
  constructor(dir: string, failureRate = 0, random?: () => number) {
    super(new JsonLines(dir, 'email.log'), failureRate, random);
  }
  protected validDestination(to: string): boolean {
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to);
  }
  protected record(m: OutgoingEmail, messageId: string) {
    return emailRecord(m, messageId, this.name);
  }
}

export interface Gateways {
  sms: SmsGateway | null;
  email: EmailGateway | null;
}

/** The gateways the configuration names. A real provider adds a case here. */
export function selectGateways(config: Pick<Config, 'DATA_DIR' | 'NOTIFY_SMS_ADAPTER' | 'NOTIFY_EMAIL_ADAPTER' | 'NOTIFY_SIM_FAILURE_RATE'>): Gateways {
  const dir = join(config.DATA_DIR, 'outbox');
  const sms =
    config.NOTIFY_SMS_ADAPTER === 'file' ? new FileSmsGateway(dir) : config.NOTIFY_SMS_ADAPTER === 'simulated' ? new SimulatedSmsGateway(dir, config.NOTIFY_SIM_FAILURE_RATE) : null;
  const email =
    config.NOTIFY_EMAIL_ADAPTER === 'file'
      ? new FileEmailGateway(dir)
      : config.NOTIFY_EMAIL_ADAPTER === 'simulated'
        ? new SimulatedEmailGateway(dir, config.NOTIFY_SIM_FAILURE_RATE)
        : null;
  return { sms, email };
}
