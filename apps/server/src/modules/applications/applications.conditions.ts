/**
 * Conditions on form data (for exclusive gateways and conditional stages): a JSON structure, and
 * a small expression language that reads and prints it. Never evaluated by `eval`: a parser turns
 * the text into the structure and an interpreter walks it over the form.
 *
 *   Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition }
 *             | { field, op: 'eq'|'ne'|'gt'|'gte'|'lt'|'lte'|'in'|'contains'|'exists', value? }
 *
 * Text: `amount > 100000 && (kind == "new" || kind in ["a","b"]) && !exists(remark)`;
 * fields are form field names (dots for nested objects); values are numbers, "strings",
 * true/false/null, or [lists].
 */
import { AppError } from '../../shared/errors';

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'exists';
export type Value = string | number | boolean | null | Value[];
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | { field: string; op: Op; value?: Value };

const OPS: Record<string, Op> = { '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', in: 'in', contains: 'contains' };
const SYMBOL: Record<Op, string> = { eq: '==', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=', in: 'in', contains: 'contains', exists: 'exists' };
const MAX_DEPTH = 20;

export const conditionError = (field: string, zh: string, en: string) => new AppError(400, 'CONDITION_INVALID', `条件表达式有误：${zh}`, `Invalid condition: ${en}`, field);

type Tok = { t: 'id' | 'num' | 'str' | 'op' | 'punc'; v: string };

function tokenize(src: string, field: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>!'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if ('()[],'.includes(c)) {
      out.push({ t: 'punc', v: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j++];
      }
      if (j >= src.length) throw conditionError(field, '字符串未结束', 'unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[\p{L}_$][\p{L}\p{N}_.$]*/u.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw conditionError(field, `无法识别的字符「${c}」`, `unexpected character "${c}"`);
  }
  return out;
}

/** Parses the expression language into a Condition (throws CONDITION_INVALID naming `field`). */
export function parseCondition(src: string, field = 'condition'): Condition {
  // Camunda-style ${ … } around an expression is accepted.
  const text = src.trim().replace(/^\$\{([\s\S]*)\}$/, '$1').trim();
  if (!text || text.length > 2000) throw conditionError(field, '表达式为空或过长', 'empty or too long');
  const toks = tokenize(text, field);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v?: string) => {
    const t = toks[p];
    if (!t || (v !== undefined && t.v !== v)) throw conditionError(field, `此处应为「${v ?? '值'}」`, `expected "${v ?? 'a value'}"`);
    p++;
    return t;
  };
  const value = (): Value => {
    const t = eat();
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'str') return t.v;
    if (t.t === 'id' && t.v === 'true') return true;
    if (t.t === 'id' && t.v === 'false') return false;
    if (t.t === 'id' && t.v === 'null') return null;
    if (t.v === '[') {
      const list: Value[] = [];
      if (peek()?.v !== ']') {
        list.push(value());
        while (peek()?.v === ',') {
          eat(',');
          list.push(value());
        }
      }
      eat(']');
      return list;
    }
    throw conditionError(field, `「${t.v}」不是值`, `"${t.v}" is not a value`);
  };
  const primary = (depth: number): Condition => {
    if (depth > MAX_DEPTH) throw conditionError(field, '嵌套过深', 'nested too deeply');
    const t = peek();
    if (!t) throw conditionError(field, '表达式不完整', 'incomplete expression');
    if (t.v === '!') {
      eat('!');
      return { not: primary(depth + 1) };
    }
    if (t.v === '(') {
      eat('(');
      const c = or(depth + 1);
      eat(')');
      return c;
    }
    if (t.t === 'id' && t.v === 'exists' && toks[p + 1]?.v === '(') {
      eat('exists');
      eat('(');
      const f = eat();
      if (f.t !== 'id') throw conditionError(field, 'exists() 须给出字段名', 'exists() needs a field name');
      eat(')');
      return { field: f.v, op: 'exists' };
    }
    if (t.t !== 'id') throw conditionError(field, `「${t.v}」不是字段名`, `"${t.v}" is not a field name`);
    eat();
    const op = peek();
    if (!op || !(op.v in OPS)) {
      // A bare field: true when truthy.
      return { field: t.v, op: 'eq', value: true };
    }
    eat();
    return { field: t.v, op: OPS[op.v], value: value() };
  };
  const and = (depth: number): Condition => {
    const list = [primary(depth)];
    while (peek()?.v === '&&' || (peek()?.t === 'id' && peek()?.v === 'and')) {
      eat();
      list.push(primary(depth));
    }
    return list.length === 1 ? list[0] : { all: list };
  };
  const or = (depth: number): Condition => {
    const list = [and(depth)];
    while (peek()?.v === '||' || (peek()?.t === 'id' && peek()?.v === 'or')) {
      eat();
      list.push(and(depth));
    }
    return list.length === 1 ? list[0] : { any: list };
  };
  const c = or(0);
  if (p !== toks.length) throw conditionError(field, `多余的「${toks[p].v}」`, `unexpected "${toks[p].v}"`);
  return c;
}

const lit = (v: Value | undefined): string => (Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Prints a Condition in the expression language (parseCondition(print(c)) equals c). */
export function printCondition(c: Condition): string {
  if ('all' in c) return c.all.map((x) => ('any' in x ? `(${printCondition(x)})` : printCondition(x))).join(' && ');
  if ('any' in c) return c.any.map((x) => printCondition(x)).join(' || ');
  if ('not' in c) return `!(${printCondition(c.not)})`;
  if (c.op === 'exists') return `exists(${c.field})`;
  return `${c.field} ${SYMBOL[c.op]} ${lit(c.value)}`;
}

function get(form: Record<string, unknown>, path: string): unknown {
  let v: unknown = form;
  for (const k of path.split('.')) {
    if (!v || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const same = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'string' && String(a) === b) || (typeof a === 'string' && typeof b === 'number' && a === String(b));

/** Evaluates a Condition over form data. Missing fields compare as absent (only ne and exists can be true). */
export function evaluate(c: Condition, form: Record<string, unknown>): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, form));
  if ('any' in c) return c.any.some((x) => evaluate(x, form));
  if ('not' in c) return !evaluate(c.not, form);
  const v = get(form, c.field);
  switch (c.op) {
    case 'exists':
      return v !== undefined && v !== null && v !== '';
    case 'eq':
      return c.value === true ? v === true || (v !== undefined && v !== null && v !== false && v !== '' && v !== 0 && typeof v !== 'object') : same(v, c.value);
    case 'ne':
      return !same(v, c.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof c.value === 'number' ? typeof v !== 'number' : typeof v !== 'string' || typeof c.value !== 'string') return false;
      const a = v as number | string;
      const b = c.value as number | string;
      return c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
    }
    case 'in':
      return Array.isArray(c.value) && c.value.some((x) => same(v, x));
    case 'contains':
      return Array.isArray(v) ? v.some((x) => same(x, c.value)) : typeof v === 'string' && typeof c.value === 'string' && v.includes(c.value);
  }
}

/** The form fields a condition reads (to check them against the item's form). */
export function fieldsOf(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(fieldsOf);
  if ('any' in c) return c.any.flatMap(fieldsOf);
  if ('not' in c) return fieldsOf(c.not);
  return [c.field];
}
