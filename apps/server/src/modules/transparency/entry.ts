/**
 * Log entries and their canonical bytes. The leaf hash covers the exact bytes, so the encoding
 * must be reproducible by anyone: JSON with object keys sorted by UTF-16 code units, no
 * whitespace, and ECMAScript number and string serialization — the rules of RFC 8785 (JCS) for the
 * values entries use (no floats beyond what JSON.stringify prints canonically).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
}

/** What a module logs: a typed event about a subject, when it happened, and its data. */
export interface LogEntryInput {
  /** Dotted event type, e.g. 'licence.issued', 'exchange.call'. */
  type: string;
  /** Whom or what it is about (an account, an enterprise, a licence id …), or null. */
  subject: string | null;
  /** When it happened (ISO 8601); defaults to now. */
  at?: string;
  [data: string]: unknown;
}

export interface LogEntry extends LogEntryInput {
  at: string;
}

export function entryBytes(input: LogEntryInput): { entry: LogEntry; bytes: Buffer } {
  if (typeof input.type !== 'string' || !/^[a-z][a-z0-9_.-]{0,99}$/.test(input.type)) throw new TypeError('log entry type must be a dotted lower-case name');
  if (input.subject !== null && typeof input.subject !== 'string') throw new TypeError('log entry subject must be a string or null');
  const entry: LogEntry = { ...input, at: input.at ?? new Date().toISOString() };
  return { entry, bytes: Buffer.from(canonicalJson(entry), 'utf8') };
}
