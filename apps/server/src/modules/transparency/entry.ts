/**
 * Log entries and their canonical bytes. The leaf hash covers the exact bytes, so the encoding
 * must be reproducible by anyone: JSON with object keys sorted by UTF-16 code units, no
 * whitespace, and ECMAScript number and string serialization — the rules of RFC 8785 (JCS) for the
 * values entries use (no floats beyond what JSON.stringify prints canonically).
 */
export function canonicalJson(value: unknown): string {
  // One pass building the string (no intermediate arrays): it runs for every logged entry and every signed answer.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i) out += ',';
          out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
        }
        return `${out}]`;
      }
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort(); // UTF-16 code unit order
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
        first = false;
      }
      return `${out}}`;
    }
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
