/**
 * The evaluation index (数字政府/一体化政务服务 评估, self-assessment): a versioned indicator system.
 * Each indicator takes a live measure (or a derived measure: an expression over measures),
 * normalises it between a floor and a target (0 at the floor, 1 at the target, clamped; a target
 * below the floor means lower is better), weighs it, and the weighted sum × 100 is the score,
 * graded by configurable bands. A configuration is checked before it is stored; a refused one
 * leaves the previous version in force.
 */
import { MEASURE_BY_ID, type Text } from './oversight.measures';
import { oversightErrors } from './oversight.errors';

export interface Indicator {
  id: string;
  dimension: string;
  name: Text;
  measure: string;
  floor: number;
  target: number;
  weight: number;
}

export interface IndexConfig {
  name: Text;
  dimensions: { id: string; name: Text }[];
  indicators: Indicator[];
  derived: { id: string; name: Text; expr: string }[];
  /** Highest first; a score is graded by the first band it reaches (`above`: strictly greater, else at least). */
  grades: { label: Text; min: number; strict?: boolean }[];
}

export const DEFAULT_INDEX: IndexConfig = {
  name: { zh: '一体化政务服务能力自评估指标体系（默认）', en: 'Integrated online service capability, self-assessment (default)' },
  dimensions: [
    { id: 'effectiveness', name: { zh: '服务成效度', en: 'Service effectiveness' } },
    { id: 'maturity', name: { zh: '办理成熟度', en: 'Handling maturity' } },
    { id: 'channels', name: { zh: '方式完备度', en: 'Channel completeness' } },
    { id: 'coverage', name: { zh: '事项覆盖度', en: 'Item coverage' } },
    { id: 'accuracy', name: { zh: '指南准确度', en: 'Guide accuracy' } },
  ],
  indicators: [
    { id: 'on_time', dimension: 'effectiveness', name: { zh: '按时办结率', en: 'On-time rate' }, measure: 'on_time_rate', floor: 80, target: 100, weight: 0.15 },
    { id: 'good_rate', dimension: 'effectiveness', name: { zh: '好评率', en: 'Good review rate' }, measure: 'review_good_rate', floor: 80, target: 100, weight: 0.1 },
    { id: 'inquiry_resolution', dimension: 'effectiveness', name: { zh: '诉求解决率', en: 'Inquiry resolution' }, measure: 'inquiry_resolution_rate', floor: 60, target: 100, weight: 0.05 },
    { id: 'full_online', dimension: 'maturity', name: { zh: '全程网办占比', en: 'Fully-online share' }, measure: 'full_online_share', floor: 20, target: 90, weight: 0.1 },
    { id: 'compression', dimension: 'maturity', name: { zh: '时限压缩比', en: 'Deadline compression' }, measure: 'deadline_compression', floor: 20, target: 70, weight: 0.05 },
    { id: 'zero_visit', dimension: 'maturity', name: { zh: '零跑动占比', en: 'Zero-visit share' }, measure: 'zero_visit_share', floor: 30, target: 95, weight: 0.05 },
    { id: 'immediate', dimension: 'maturity', name: { zh: '即办件占比', en: 'Immediate share' }, measure: 'immediate_share', floor: 5, target: 40, weight: 0.05 },
    { id: 'online', dimension: 'channels', name: { zh: '网上申请占比', en: 'Online share' }, measure: 'online_share', floor: 50, target: 95, weight: 0.1 },
    { id: 'exempt', dimension: 'channels', name: { zh: '免提交材料占比', en: 'Exempt materials' }, measure: 'exempt_share', floor: 5, target: 50, weight: 0.05 },
    { id: 'items_online', dimension: 'coverage', name: { zh: '全程网办事项占比', en: 'Fully-online items' }, measure: 'item_full_online_share', floor: 30, target: 90, weight: 0.05 },
    { id: 'items_zero_visit', dimension: 'coverage', name: { zh: '零跑动事项占比', en: 'Zero-visit items' }, measure: 'item_zero_visit_share', floor: 30, target: 95, weight: 0.05 },
    { id: 'bundles', dimension: 'coverage', name: { zh: '一件事办件占比', en: 'Bundle share' }, measure: 'bundle_share', floor: 0, target: 20, weight: 0.05 },
    { id: 'guide_accuracy', dimension: 'accuracy', name: { zh: '指南准确度', en: 'Guide accuracy' }, measure: 'guide_accuracy', floor: 60, target: 100, weight: 0.15 },
  ],
  derived: [],
  grades: [
    { label: { zh: '非常高', en: 'Very high' }, min: 90, strict: true },
    { label: { zh: '高', en: 'High' }, min: 80 },
    { label: { zh: '中', en: 'Medium' }, min: 60 },
    { label: { zh: '低', en: 'Low' }, min: -Infinity },
  ],
};

// ---- derived measures: a tiny arithmetic language over measure ids ------------------------------

type Token = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

export function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?)|([a-z_][a-z0-9_]*)|([-+*/()]))/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < expr.length && (m = re.exec(expr))) {
    if (m[1]) out.push({ t: 'num', v: Number(m[1]) });
    else if (m[2]) out.push({ t: 'id', v: m[2] });
    else out.push({ t: 'op', v: m[3] });
    pos = re.lastIndex;
    if (/^\s*$/.test(expr.slice(pos))) break;
  }
  if (!/^\s*$/.test(expr.slice(pos))) throw new Error(`cannot read "${expr.slice(pos).trim()}"`);
  return out;
}

/** Shunting-yard to reverse Polish notation; throws on unbalanced parentheses. */
export function toRpn(tokens: Token[]): Token[] {
  const prec: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };
  const out: Token[] = [];
  const ops: Token[] = [];
  let expectOperand = true;
  for (const tk of tokens) {
    if (tk.t !== 'op') {
      if (!expectOperand) throw new Error('two operands in a row');
      out.push(tk);
      expectOperand = false;
    } else if (tk.v === '(') {
      ops.push(tk);
      expectOperand = true;
    } else if (tk.v === ')') {
      while (ops.length && ops[ops.length - 1].v !== '(') out.push(ops.pop()!);
      if (!ops.length) throw new Error('unbalanced parentheses');
      ops.pop();
      expectOperand = false;
    } else {
      if (expectOperand) throw new Error(`operator ${tk.v} without an operand`);
      while (ops.length && ops[ops.length - 1].v !== '(' && prec[ops[ops.length - 1].v] >= prec[tk.v]) out.push(ops.pop()!);
      ops.push(tk);
      expectOperand = true;
    }
  }
  if (expectOperand && tokens.length) throw new Error('ends with an operator');
  while (ops.length) {
    const o = ops.pop()!;
    if (o.v === '(') throw new Error('unbalanced parentheses');
    out.push(o);
  }
  return out;
}

export function evalRpn(rpn: Token[], value: (id: string) => number | null): number | null {
  const st: (number | null)[] = [];
  for (const tk of rpn) {
    if (tk.t === 'num') st.push(tk.v);
    else if (tk.t === 'id') st.push(value(tk.v));
    else {
      const b = st.pop()!;
      const a = st.pop()!;
      if (a === null || b === null) st.push(null);
      else if (tk.v === '+') st.push(a + b);
      else if (tk.v === '-') st.push(a - b);
      else if (tk.v === '*') st.push(a * b);
      else st.push(b === 0 ? null : a / b);
    }
  }
  return st.pop() ?? null;
}

/** The measure ids a derived measure needs, recursively (base measures only). */
export function baseMeasures(cfg: IndexConfig, id: string, seen = new Set<string>()): string[] {
  const d = cfg.derived.find((x) => x.id === id);
  if (!d) return [id];
  if (seen.has(id)) return [];
  seen.add(id);
  return [...new Set(tokenize(d.expr).filter((t) => t.t === 'id').flatMap((t) => baseMeasures(cfg, t.v as string, seen)))];
}

const isText = (t: unknown): t is Text => typeof t === 'object' && t !== null && typeof (t as Text).zh === 'string' && typeof (t as Text).en === 'string';

/** Refuses a bad configuration with the reason (the route stores nothing then). */
export function validateIndexConfig(cfg: IndexConfig): void {
  const bad = oversightErrors.badIndexConfig;
  if (!cfg.indicators?.length) throw bad('没有任何指标', 'no indicators', 'config/indicators');
  const dims = new Set(cfg.dimensions.map((d) => d.id));
  if (dims.size !== cfg.dimensions.length) throw bad('维度编号重复', 'duplicate dimension ids', 'config/dimensions');
  const ids = new Set<string>();
  const derivedIds = new Set(cfg.derived.map((d) => d.id));
  if (derivedIds.size !== cfg.derived.length) throw bad('派生指标编号重复', 'duplicate derived ids', 'config/derived');
  for (const d of cfg.derived) {
    if (MEASURE_BY_ID.has(d.id)) throw bad(`派生指标 ${d.id} 与已有指标同名`, `derived measure ${d.id} shadows a measure`, `config/derived/${d.id}`);
    let rpn: Token[];
    try {
      rpn = toRpn(tokenize(d.expr));
    } catch (e) {
      throw bad(`派生指标 ${d.id} 的公式无法解析：${(e as Error).message}`, `derived measure ${d.id}: ${(e as Error).message}`, `config/derived/${d.id}/expr`);
    }
    for (const tk of rpn) if (tk.t === 'id' && !MEASURE_BY_ID.has(tk.v) && !derivedIds.has(tk.v)) throw bad(`派生指标 ${d.id} 引用了未知指标 ${tk.v}`, `derived measure ${d.id} uses unknown measure ${tk.v}`, `config/derived/${d.id}/expr`);
  }
  // A cycle among derived measures: depth-first search with colours.
  const colour = new Map<string, 'grey' | 'black'>();
  const deps = (id: string) => tokenize(cfg.derived.find((x) => x.id === id)!.expr).filter((t) => t.t === 'id' && derivedIds.has(t.v as string)).map((t) => t.v as string);
  const visit = (id: string, path: string[]): void => {
    if (colour.get(id) === 'black') return;
    if (colour.get(id) === 'grey') {
      const cycle = [...path.slice(path.indexOf(id)), id].join(' → ');
      throw bad(`派生指标存在循环引用：${cycle}`, `derived measures form a cycle: ${cycle}`, 'config/derived');
    }
    colour.set(id, 'grey');
    for (const n of deps(id)) visit(n, [...path, id]);
    colour.set(id, 'black');
  };
  for (const d of cfg.derived) visit(d.id, []);
  let sum = 0;
  for (const [i, ind] of cfg.indicators.entries()) {
    const f = `config/indicators/${i}`;
    if (ids.has(ind.id)) throw bad(`指标编号重复：${ind.id}`, `duplicate indicator id ${ind.id}`, `${f}/id`);
    ids.add(ind.id);
    if (!dims.has(ind.dimension)) throw bad(`指标 ${ind.id} 的维度 ${ind.dimension} 不存在`, `indicator ${ind.id}: unknown dimension ${ind.dimension}`, `${f}/dimension`);
    if (!MEASURE_BY_ID.has(ind.measure) && !derivedIds.has(ind.measure)) throw bad(`指标 ${ind.id} 引用了未知指标 ${ind.measure}`, `indicator ${ind.id} uses unknown measure ${ind.measure}`, `${f}/measure`);
    if (!(ind.weight > 0 && ind.weight <= 1)) throw bad(`指标 ${ind.id} 的权重须在 0 到 1 之间`, `indicator ${ind.id}: weight must be in (0, 1]`, `${f}/weight`);
    if (ind.floor === ind.target) throw bad(`指标 ${ind.id} 的下限与目标值相同`, `indicator ${ind.id}: floor equals target`, `${f}/target`);
    if (!isText(ind.name)) throw bad(`指标 ${ind.id} 缺少中英文名称`, `indicator ${ind.id}: name needs zh and en`, `${f}/name`);
    sum += ind.weight;
  }
  if (Math.abs(sum - 1) > 1e-6) throw bad(`权重之和为 ${Math.round(sum * 10000) / 10000}，须等于 1`, `weights sum to ${Math.round(sum * 10000) / 10000}, not 1`, 'config/indicators');
  if (!cfg.grades?.length) throw bad('缺少等级划分', 'no grades', 'config/grades');
  for (let i = 1; i < cfg.grades.length; i++) if (!(cfg.grades[i].min < cfg.grades[i - 1].min)) throw bad('等级须按分数从高到低排列', 'grades must go from the highest score down', `config/grades/${i}`);
}

export function normalise(v: number, floor: number, target: number): number {
  return Math.min(1, Math.max(0, (v - floor) / (target - floor)));
}

export function gradeOf(cfg: IndexConfig, score: number): Text {
  for (const g of cfg.grades) if (g.strict ? score > g.min : score >= g.min) return g.label;
  return cfg.grades[cfg.grades.length - 1].label;
}

/** JSON cannot hold -Infinity: the lowest grade is stored with min null. */
export function storeConfig(cfg: IndexConfig): unknown {
  return { ...cfg, grades: cfg.grades.map((g) => ({ ...g, min: Number.isFinite(g.min) ? g.min : null })) };
}
export function loadConfig(raw: unknown): IndexConfig {
  const c = raw as IndexConfig & { grades: { label: Text; min: number | null; strict?: boolean }[] };
  return { ...c, derived: c.derived ?? [], grades: c.grades.map((g) => ({ ...g, min: g.min ?? -Infinity })) };
}
