/**
 * Log entries and their canonical bytes. The leaf hash covers the exact bytes, so the encoding
 * must be reproducible by anyone: JSON with object keys sorted by UTF-16 code units, no
 * whitespace, and ECMAScript number and string serialization — the rules of RFC 8785 (JCS) for the
 * values entries use (no floats beyond what JSON.stringify prints canonically).
 */
export function canonicalJson(value: unknown): string {
  // The value as it is, or a copy with each object's keys in sorted order, printed by the native
  // JSON.stringify: JCS and JSON.stringify differ only in key order (and in what JCS refuses,
  // refused here). A third of the cost of building the string in JavaScript, and a value already
  // in canonical order is not copied at all. Objects with integer-like keys, which JavaScript
  // orders numerically whatever the insertion order, take the string-building way.
  if (value === undefined) throw new TypeError('canonical JSON cannot encode undefined');
  const copy = canonicalOrder(value);
  return copy === SLOW ? canonicalJsonBuilt(value) : JSON.stringify(copy);
}

const SLOW = Symbol('integer-like keys');

const isIndexLike = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9][0-9]*)$/.test(k);
};

/** `v` itself if its object keys are already sorted, else a copy in sorted order; SLOW if JSON.stringify could not keep the order. */
function canonicalOrder(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return v;
    case 'undefined':
      return v; // an array element (printed null) or an object member (left out), as JSON.stringify does
    case 'object': {
      if (v === null) return v;
      if (Array.isArray(v)) {
        let out: unknown[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const c = canonicalOrder(v[i]);
          if (c === SLOW) return SLOW;
          if (c !== v[i]) (out ??= v.slice())[i] = c;
        }
        return out ?? v;
      }
      const withToJson = v as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') {
        // What toJSON gave, not v: JSON.stringify would call it again.
        const j = withToJson.toJSON();
        if (j === undefined) throw new TypeError('canonical JSON cannot encode undefined');
        return canonicalOrder(j);
      }
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      let sorted = true;
      let changed: Map<string, unknown> | null = null; // members whose value had to be copied (rare: a Date, an unsorted object)
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k === '__proto__' || isIndexLike(k)) return SLOW;
        if (i > 0 && keys[i - 1] > k) sorted = false;
        const x = obj[k];
        const c = canonicalOrder(x);
        if (c === SLOW) return SLOW;
        if (c !== x) (changed ??= new Map()).set(k, c);
      }
      if (sorted && !changed) return obj;
      if (!sorted) keys.sort(); // UTF-16 code unit order
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = changed?.has(k) ? changed.get(k) : obj[k];
      return out;
    }
  }
  throw new TypeError(`canonical JSON cannot encode a ${typeof v}`);
}

/** The string-building way (objects with integer-like keys; the reference the fast way is tested against). */
export function canonicalJsonBuilt(value: unknown): string {
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
          out += value[i] === undefined ? 'null' : canonicalJsonBuilt(value[i]);
        }
        return `${out}]`;
      }
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return canonicalJsonBuilt(withToJson.toJSON());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort(); // UTF-16 code unit order
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJsonBuilt(v)}`;
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
