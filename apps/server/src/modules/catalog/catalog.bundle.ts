/**
 * What a bundle (一件事) derives from its items: the order of work (a DAG of "needs the result
 * of"), its promised time as the critical path of that DAG (independent items run in parallel,
 * so the time is the longest chain, not the sum), one merged application form (each question
 * asked once and mapped into every item form that needs it), and one material list
 * (deduplicated; 免提交 where an e-licence, shared data or an earlier item's result covers it).
 * Pure functions; the service stores the result with the published bundle version.
 */
import { finding } from './catalog.linter';
import { compatibleFields, formFields } from './catalog.form';
import type { BundleContent, Finding, ItemContent, Material } from './catalog.schemas';

export interface BundleItem {
  id: string;
  version: number;
  content: ItemContent;
}

export interface DerivedMaterial {
  key: string;
  name: string;
  requirement: 'required' | 'conditional';
  condition: string | null;
  source: Material['source'] | { kind: 'bundle_result'; itemId: string };
  exempt: boolean;
  items: { itemId: string; key: string }[];
}

export interface BundleDerived {
  itemVersions: Record<string, number>;
  /** Items in an order where every item comes after those it needs. */
  order: string[];
  timing: { promisedDays: number; legalDays: number; sumPromisedDays: number; criticalPath: string[]; startDays: Record<string, number> };
  mergedForm: { schema: Record<string, unknown>; mapping: Record<string, { itemId: string; field: string }[]>; filledByResults: { itemId: string; field: string; fromItemId: string }[] };
  materials: DerivedMaterial[];
  stats: { materials: number; exempt: number; departments: number };
}

/** Topological order (Kahn); null when there is a cycle. Ties keep the order of `nodes`. */
export function topologicalOrder(nodes: string[], edges: { from: string; to: string }[]): string[] | null {
  const indeg = new Map(nodes.map((n) => [n, 0]));
  for (const e of edges) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const out: string[] = [];
  const ready = nodes.filter((n) => indeg.get(n) === 0);
  while (ready.length) {
    const n = ready.shift()!;
    out.push(n);
    for (const e of edges) {
      if (e.from !== n) continue;
      const d = indeg.get(e.to)! - 1;
      indeg.set(e.to, d);
      if (d === 0) ready.push(e.to);
    }
  }
  return out.length === nodes.length ? out : null;
}

/**
 * Longest path through the DAG with each node weighing `days(node)`: the earliest finish of the
 * whole when every item starts as soon as the items it needs are done.
 */
export function criticalPath(order: string[], edges: { from: string; to: string }[], days: (id: string) => number) {
  const finish = new Map<string, number>();
  const start = new Map<string, number>();
  const via = new Map<string, string | null>();
  for (const n of order) {
    let s = 0;
    let p: string | null = null;
    for (const e of edges) {
      if (e.to !== n) continue;
      const f = finish.get(e.from) ?? 0;
      if (f > s || (f === s && p === null)) {
        s = f;
        p = e.from;
      }
    }
    start.set(n, s);
    via.set(n, p);
    finish.set(n, s + days(n));
  }
  let end: string | null = null;
  for (const n of order) if (end === null || finish.get(n)! > finish.get(end)!) end = n;
  const path: string[] = [];
  for (let n = end; n; n = via.get(n) ?? null) path.unshift(n);
  return { days: end ? finish.get(end)! : 0, path, start: Object.fromEntries(start) };
}

function materialIdentity(m: Material): string {
  if (m.source.kind === 'elicence') return `elicence:${m.source.licenceType}`;
  if (m.source.kind === 'shared_data') return `shared:${m.source.resource}`;
  return `name:${m.name.replace(/\s+/g, '')}`;
}

/** Whether `to` can be reached from `from` along the edges. */
function reaches(edges: { from: string; to: string }[], from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    for (const e of edges) {
      if (e.from !== n || seen.has(e.to)) continue;
      if (e.to === to) return true;
      seen.add(e.to);
      stack.push(e.to);
    }
  }
  return false;
}

/** Derives timing, merged form and materials. `items` holds the published version of every item. */
export function deriveBundle(b: BundleContent, items: Map<string, BundleItem>): { derived: BundleDerived; findings: Finding[] } {
  const findings: Finding[] = [];
  const ids = b.items.map((i) => i.itemId).filter((id) => items.has(id));
  const edges = b.dependencies.filter((d) => items.has(d.from) && items.has(d.to) && d.from !== d.to);
  const order = topologicalOrder(ids, edges) ?? ids;
  const promised = criticalPath(order, edges, (id) => items.get(id)!.content.promisedLimit.days);
  const legal = criticalPath(order, edges, (id) => items.get(id)!.content.legalLimit.days);

  // Fields filled from an earlier item's result are not asked.
  const filled = new Map<string, string>(); // `${itemId}/${field}` → from item
  b.dependencies.forEach((d, i) => {
    const to = items.get(d.to);
    if (!to) return;
    const fields = new Set((formFields(to.content.form) ?? []).map((f) => f.name));
    (d.fields ?? []).forEach((f, j) => {
      if (!fields.has(f)) findings.push(finding('BUNDLE_FIELD_UNKNOWN', `dependencies/${i}/fields/${j}`, { zh: f, en: f }));
      else filled.set(`${d.to}/${f}`, d.from);
    });
  });
  const questionOf = new Map<string, string>();
  b.fieldMap.forEach((m, i) => {
    const it = items.get(m.itemId);
    if (!it) return;
    if (!(formFields(it.content.form) ?? []).some((f) => f.name === m.field)) findings.push(finding('BUNDLE_FIELD_UNKNOWN', `fieldMap/${i}/field`, { zh: m.field, en: m.field }));
    questionOf.set(`${m.itemId}/${m.field}`, m.question);
  });

  const properties: Record<string, Record<string, unknown>> = {};
  const required = new Set<string>();
  const mapping: Record<string, { itemId: string; field: string }[]> = {};
  for (const id of order) {
    for (const f of formFields(items.get(id)!.content.form) ?? []) {
      if (filled.has(`${id}/${f.name}`)) continue;
      const q = questionOf.get(`${id}/${f.name}`) ?? f.name;
      if (properties[q]) {
        if (!compatibleFields(properties[q], f.schema)) findings.push(finding('BUNDLE_FIELD_CONFLICT', `mergedForm/${q}`, { zh: q, en: q }));
      } else properties[q] = f.schema;
      (mapping[q] ??= []).push({ itemId: id, field: f.name });
      if (f.required) required.add(q);
    }
  }

  // Materials: one entry per identity; exempt when its source is authoritative or when an item
  // earlier in the graph issues it as its result.
  const byIdentity = new Map<string, DerivedMaterial>();
  for (const id of order) {
    for (const m of items.get(id)!.content.materials) {
      const identity = materialIdentity(m);
      let d = byIdentity.get(identity);
      if (!d) {
        d = { key: m.key, name: m.name, requirement: m.requirement, condition: m.condition ?? null, source: m.source, exempt: m.source.kind !== 'applicant', items: [] };
        byIdentity.set(identity, d);
      } else if (m.requirement === 'required' && d.requirement === 'conditional') {
        d.requirement = 'required';
        d.condition = null;
      }
      d.items.push({ itemId: id, key: m.key });
      if (!d.exempt) {
        const producer = order.find((p) => {
          const r = items.get(p)!.content.result;
          const sameLicence = m.source.kind === 'elicence' && r.licenceType === m.source.licenceType;
          return p !== id && (sameLicence || r.name === m.name) && reaches(edges, p, id);
        });
        if (producer) {
          d.exempt = true;
          d.source = { kind: 'bundle_result', itemId: producer };
        }
      }
    }
  }
  const materials = [...byIdentity.values()];
  const departments = new Set([...items.values()].map((i) => i.content.departmentId));

  return {
    derived: {
      itemVersions: Object.fromEntries([...items.values()].map((i) => [i.id, i.version])),
      order,
      timing: {
        promisedDays: promised.days,
        legalDays: legal.days,
        sumPromisedDays: ids.reduce((n, id) => n + items.get(id)!.content.promisedLimit.days, 0),
        criticalPath: promised.path,
        startDays: promised.start,
      },
      mergedForm: {
        schema: { type: 'object', title: b.name, properties, required: [...required] },
        mapping,
        filledByResults: [...filled.entries()].map(([k, from]) => {
          const [itemId, field] = k.split('/');
          return { itemId, field, fromItemId: from };
        }),
      },
      materials,
      stats: { materials: materials.length, exempt: materials.filter((m) => m.exempt).length, departments: departments.size },
    },
    findings,
  };
}
