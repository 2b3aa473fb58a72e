/**
 * BPMN 2.0 XML import and export of an item's process (the subset used: start and end events,
 * user tasks, exclusive and parallel gateways, timer boundary events), so that processes drawn in
 * standard modelers (Camunda Modeler, bpmn.io) load, and ours open there.
 *
 * Mapping to our stages:
 * - a user task is a stage; its department and role are `camunda:candidateGroups="<dept code>/<role>"`
 *   (or `yiwang:role`; a name with 受理 / 决定·审批·批准 / anything else gives window_clerk /
 *   decider / reviewer; no department: the item's department); `yiwang:stage` keeps our key;
 * - a timer boundary event on a task is the stage's time budget: `timeDuration` P5D (or PT48H,
 *   rounded up to days) working days;
 * - a parallel gateway fork whose branches are one user task each, joined again, is a countersign
 *   (会签) stage over the tasks' departments; a multi-instance user task over several groups is
 *   sequential (依次, isSequential) or any-sign (或签, completionCondition
 *   `nrOfCompletedInstances >= 1`) — or countersign (parallel, no completion condition);
 * - an exclusive gateway fork with conditions on its flows (our expression language; a default
 *   flow is "none of the others"), joined again, makes the stages of each branch conditional on
 *   the form data; a branch with no task skips;
 * - the payment step: `yiwang:paymentAfter` / `yiwang:paymentDays` on the process.
 * The export writes diagram interchange (BPMNDI) too, so modelers show it laid out.
 */
import { XMLParser } from 'fast-xml-parser';
import { AppError } from '../../shared/errors';
import { evaluate as _evaluate, parseCondition, printCondition, type Condition } from './applications.conditions';

export type Role = 'window_clerk' | 'reviewer' | 'decider';
export type Kind = 'single' | 'countersign' | 'anysign' | 'sequential';

export interface ProcessStage {
  key: string;
  name: string;
  role: Role;
  department?: string;
  departments?: string[];
  budgetDays: number;
  kind: Kind;
  materials?: string[];
  condition?: Condition;
}

export interface ProcessDef {
  stages: ProcessStage[];
  payment: null | { afterStage: string; budgetDays: number };
}

export const bpmnError = (zh: string, en: string, extra?: Record<string, unknown>) => new AppError(400, 'BPMN_INVALID', `BPMN 流程无法导入：${zh}`, `The BPMN process cannot be imported: ${en}`, 'body/bpmn', extra);

const ROLES: Role[] = ['window_clerk', 'reviewer', 'decider'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
void _evaluate;

// ---- export ----------------------------------------------------------------------------------

interface Node {
  id: string;
  type: 'startEvent' | 'endEvent' | 'userTask' | 'exclusiveGateway' | 'parallelGateway';
  xml: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** BPMN 2.0 XML of a process; `codeOf` gives a department's code (portable between nodes). */
export function toBpmn(def: ProcessDef, o: { processId: string; name: string; codeOf: (departmentId: string) => string; itemDepartment: string }): string {
  const nodes: Node[] = [];
  const flows: { id: string; from: string; to: string; cond?: string; isDefault?: boolean }[] = [];
  const boundaries: { id: string; task: string; days: number; x: number; y: number }[] = [];
  let x = 80;
  const Y = 200;
  const add = (n: Omit<Node, 'x' | 'y' | 'w' | 'h'> & { y?: number }, size: 'event' | 'task' | 'gw') => {
    const [w, h] = size === 'event' ? [36, 36] : size === 'task' ? [120, 80] : [50, 50];
    const node = { ...n, x, y: (n.y ?? Y) - h / 2, w, h };
    nodes.push(node);
    return node;
  };
  let fid = 0;
  const flow = (from: string, to: string, extra: { cond?: string; isDefault?: boolean } = {}) => {
    const id = `Flow_${++fid}`;
    flows.push({ id, from, to, ...extra });
    return id;
  };
  const groups = (s: ProcessStage, dep: string) => `${o.codeOf(dep)}/${s.role}`;
  const taskXml = (id: string, s: ProcessStage, deps: string[], multi?: 'sequential' | 'anysign' | 'countersign') =>
    `<bpmn:userTask id="${id}" name="${esc(s.name)}" yiwang:stage="${esc(s.key)}" yiwang:role="${s.role}" camunda:candidateGroups="${esc(deps.map((d) => groups(s, d)).join(','))}"${s.materials?.length ? ` yiwang:materials="${esc(s.materials.join(','))}"` : ''}>` +
    (multi
      ? `<bpmn:multiInstanceLoopCharacteristics isSequential="${multi === 'sequential'}"${multi === 'anysign' ? '><bpmn:completionCondition xsi:type="bpmn:tFormalExpression">${nrOfCompletedInstances &gt;= 1}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>' : ' />'}`
      : '') +
    `</bpmn:userTask>`;

  const start = add({ id: 'StartEvent_1', type: 'startEvent', xml: `<bpmn:startEvent id="StartEvent_1" name="申请" />` }, 'event');
  x += 90;
  let prev = start.id;
  let prevDefaultFrom: string | null = null;
  for (const s of def.stages) {
    const deps = s.departments?.length ? s.departments : [s.department ?? o.itemDepartment];
    let split: string | null = null;
    if (s.condition) {
      const gw = add({ id: `Gateway_${s.key}_if`, type: 'exclusiveGateway', xml: '' }, 'gw');
      split = gw.id;
      flow(prev, gw.id);
      x += 90;
      prev = gw.id;
    }
    const entry = prev;
    let exit: string;
    if (s.kind === 'countersign' && deps.length > 1) {
      const fork = add({ id: `Gateway_${s.key}_fork`, type: 'parallelGateway', xml: `<bpmn:parallelGateway id="Gateway_${s.key}_fork" />` }, 'gw');
      flow(entry, fork.id, split ? { cond: printCondition(s.condition!) } : {});
      x += 90;
      deps.forEach((d, i) => {
        const id = `Task_${s.key}_${i + 1}`;
        add({ id, type: 'userTask', xml: taskXml(id, s, [d]), y: Y + (i - (deps.length - 1) / 2) * 110 }, 'task');
        boundaries.push({ id: `Timer_${s.key}_${i + 1}`, task: id, days: s.budgetDays, x: x + 70, y: Y + (i - (deps.length - 1) / 2) * 110 + 22 });
        flow(fork.id, id);
      });
      x += 170;
      const join = add({ id: `Gateway_${s.key}_join`, type: 'parallelGateway', xml: `<bpmn:parallelGateway id="Gateway_${s.key}_join" />` }, 'gw');
      deps.forEach((_, i) => flow(`Task_${s.key}_${i + 1}`, join.id));
      x += 90;
      exit = join.id;
    } else {
      const id = `Task_${s.key}`;
      const multi = deps.length > 1 ? (s.kind === 'single' ? 'countersign' : s.kind) : undefined;
      add({ id, type: 'userTask', xml: taskXml(id, s, deps, multi as 'sequential' | 'anysign' | 'countersign' | undefined) }, 'task');
      boundaries.push({ id: `Timer_${s.key}`, task: id, days: s.budgetDays, x: x + 70, y: Y + 22 });
      flow(entry, id, split ? { cond: printCondition(s.condition!) } : {});
      x += 170;
      exit = id;
    }
    if (split) {
      const join = add({ id: `Gateway_${s.key}_end`, type: 'exclusiveGateway', xml: `<bpmn:exclusiveGateway id="Gateway_${s.key}_end" />` }, 'gw');
      flow(exit, join.id);
      const skip = flow(split, join.id, { isDefault: true });
      prevDefaultFrom = skip;
      const node = nodes.find((n) => n.id === split)!;
      node.xml = `<bpmn:exclusiveGateway id="${split}" name="${esc(s.name)}？" default="${skip}" />`;
      x += 90;
      exit = join.id;
    }
    prev = exit;
  }
  void prevDefaultFrom;
  const end = add({ id: 'EndEvent_1', type: 'endEvent', xml: `<bpmn:endEvent id="EndEvent_1" name="办结" />` }, 'event');
  flow(prev, end.id);

  const flowXml = flows.map((f) =>
    f.cond
      ? `<bpmn:sequenceFlow id="${f.id}" sourceRef="${f.from}" targetRef="${f.to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${esc(f.cond)}</bpmn:conditionExpression></bpmn:sequenceFlow>`
      : `<bpmn:sequenceFlow id="${f.id}" sourceRef="${f.from}" targetRef="${f.to}" />`,
  );
  const timerXml = boundaries.map(
    (b) => `<bpmn:boundaryEvent id="${b.id}" name="时限 ${b.days} 个工作日" attachedToRef="${b.task}" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P${b.days}D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`,
  );
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const center = (n: Node) => ({ x: n.x + n.w / 2, y: n.y + n.h / 2 });
  const di = [
    ...nodes.map((n) => `<bpmndi:BPMNShape id="${n.id}_di" bpmnElement="${n.id}"${n.type.endsWith('Gateway') ? ' isMarkerVisible="true"' : ''}><dc:Bounds x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" /></bpmndi:BPMNShape>`),
    ...boundaries.map((b) => `<bpmndi:BPMNShape id="${b.id}_di" bpmnElement="${b.id}"><dc:Bounds x="${b.x}" y="${b.y}" width="36" height="36" /></bpmndi:BPMNShape>`),
    ...flows.map((f) => {
      const a = center(byId.get(f.from)!);
      const b = center(byId.get(f.to)!);
      const pts = a.y === b.y ? [a, b] : f.isDefault ? [a, { x: a.x, y: a.y - 90 }, { x: b.x, y: a.y - 90 }, b] : [a, { x: a.x, y: b.y }, b];
      return `<bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}">${pts.map((p) => `<di:waypoint x="${Math.round(p.x)}" y="${Math.round(p.y)}" />`).join('')}</bpmndi:BPMNEdge>`;
    }),
  ];
  const pay = def.payment ? ` yiwang:paymentAfter="${esc(def.payment.afterStage)}" yiwang:paymentDays="${def.payment.budgetDays}"` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:yiwang="https://yiwang.gov.cn/schema/bpmn/1.0" id="Definitions_1" targetNamespace="https://yiwang.gov.cn/bpmn" exporter="Yiwang" exporterVersion="1.0">',
    `<bpmn:process id="${esc(o.processId)}" name="${esc(o.name)}" isExecutable="true"${pay}>`,
    ...nodes.map((n) => n.xml),
    ...timerXml,
    ...flowXml,
    '</bpmn:process>',
    `<bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${esc(o.processId)}">`,
    ...di,
    '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>',
    '</bpmn:definitions>',
    '',
  ].join('\n');
}

// ---- import ----------------------------------------------------------------------------------

type El = Record<string, unknown> & { '@_id': string; '@_name'?: string };
const SUPPORTED = new Set(['startEvent', 'endEvent', 'userTask', 'exclusiveGateway', 'parallelGateway', 'sequenceFlow', 'boundaryEvent', 'extensionElements', 'documentation', 'laneSet', 'textAnnotation', 'association']);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const textOf = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' && '#text' in v ? String((v as { '#text': unknown })['#text']) : '');

/** Days of an ISO 8601 duration (P5D, P1W, PT48H → 2), rounded up; null if not one. */
export function durationDays(iso: string): number | null {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso.trim());
  if (!m || iso.trim() === 'P' || iso.trim() === 'PT') return null;
  const [, w, d, h, mi, s] = m.map((x) => (x ? Number(x) : 0));
  return (w as number) * 5 + (d as number) + Math.ceil(((h as number) * 3600 + (mi as number) * 60 + (s as number)) / 86400);
}

export interface ImportOptions {
  /** Department id by code (candidateGroups); undefined: unknown. */
  departmentByCode: (code: string) => string | undefined;
  itemDepartment: string;
}

/** Reads BPMN 2.0 XML into our process (throws BPMN_INVALID with what and where). */
export function fromBpmn(xml: string, o: ImportOptions): ProcessDef {
  if (xml.length > 1_000_000) throw bpmnError('文件过大（上限 1 MB）', 'too large (1 MB at most)');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw bpmnError('不接受 DOCTYPE / ENTITY 声明', 'DOCTYPE and ENTITY declarations are not accepted');
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@_', textNodeName: '#text', parseAttributeValue: false, parseTagValue: false, trimValues: true }).parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw bpmnError(`不是合法的 XML（${(err as Error).message.slice(0, 120)}）`, `not well-formed XML (${(err as Error).message.slice(0, 120)})`);
  }
  const defs = doc.definitions as Record<string, unknown> | undefined;
  if (!defs) throw bpmnError('缺少 bpmn:definitions', 'no bpmn:definitions');
  const processes = asArray(defs.process as Record<string, unknown> | Record<string, unknown>[]);
  if (processes.length !== 1) throw bpmnError('须恰有一个 bpmn:process', 'exactly one bpmn:process is needed');
  const proc = processes[0];
  for (const k of Object.keys(proc)) if (!k.startsWith('@_') && !SUPPORTED.has(k)) throw bpmnError(`不支持的元素 ${k}`, `unsupported element ${k}`, { element: k });

  const els = new Map<string, { type: string; el: El }>();
  for (const type of ['startEvent', 'endEvent', 'userTask', 'exclusiveGateway', 'parallelGateway']) for (const el of asArray(proc[type] as El | El[])) els.set(el['@_id'], { type, el });
  const out = new Map<string, { id: string; to: string; cond: string | null }[]>();
  for (const f of asArray(proc.sequenceFlow as El | El[])) {
    const from = String(f['@_sourceRef']);
    const to = String(f['@_targetRef']);
    if (!els.has(from) || !els.has(to)) throw bpmnError(`顺序流 ${f['@_id']} 连接了未知元素`, `sequence flow ${f['@_id']} connects an unknown element`);
    const cond = f.conditionExpression !== undefined ? textOf(f.conditionExpression).trim() : null;
    out.set(from, [...(out.get(from) ?? []), { id: f['@_id'], to, cond: cond || null }]);
  }
  const budgets = new Map<string, number>();
  for (const b of asArray(proc.boundaryEvent as El | El[])) {
    const timer = b.timerEventDefinition as Record<string, unknown> | undefined;
    if (!timer) throw bpmnError(`边界事件 ${b['@_id']} 只支持定时器`, `boundary event ${b['@_id']}: only timers are supported`);
    const dur = textOf(timer.timeDuration);
    const days = durationDays(dur);
    if (days === null) throw bpmnError(`定时器 ${b['@_id']} 须为 timeDuration（如 P5D）`, `timer ${b['@_id']} needs a timeDuration such as P5D`);
    budgets.set(String(b['@_attachedToRef']), days);
  }
  const starts = [...els.values()].filter((e) => e.type === 'startEvent');
  if (starts.length !== 1) throw bpmnError('须恰有一个开始事件', 'exactly one start event is needed');

  const used = new Set<string>();
  const keyOf = (el: El): string => {
    const raw = String(el['@_stage'] ?? el['@_id']);
    let k = raw.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^[^a-zA-Z]+/, '');
    if (!k) k = 'stage';
    k = k.slice(0, 40);
    let u = k;
    for (let i = 2; used.has(u); i++) u = `${k}_${i}`;
    used.add(u);
    return u;
  };
  const groupsOf = (el: El) =>
    String(el['@_candidateGroups'] ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
      .map((g) => {
        const [code, role] = g.split('/');
        const dep = o.departmentByCode(code);
        if (!dep) throw bpmnError(`任务 ${el['@_id']} 的部门 ${code} 不存在`, `task ${el['@_id']}: department ${code} does not exist`, { element: el['@_id'] });
        return { dep, role: role as Role | undefined };
      });
  const roleOf = (el: El, fromGroup: Role | undefined): Role => {
    const r = (el['@_role'] as string | undefined) ?? fromGroup;
    if (r) {
      if (!ROLES.includes(r as Role)) throw bpmnError(`任务 ${el['@_id']} 的岗位 ${r} 不存在`, `task ${el['@_id']}: unknown role ${r}`);
      return r as Role;
    }
    const name = String(el['@_name'] ?? '');
    return /受理|收件/.test(name) ? 'window_clerk' : /决定|审批|批准|签发/.test(name) ? 'decider' : 'reviewer';
  };
  const materialsOf = (el: El) => (el['@_materials'] ? String(el['@_materials']).split(',').filter(Boolean) : undefined);
  const stageOfTask = (id: string): ProcessStage => {
    const { el } = els.get(id)!;
    const groups = groupsOf(el);
    const deps = groups.length ? groups.map((g) => g.dep) : [o.itemDepartment];
    const role = roleOf(el, groups[0]?.role);
    const mi = el.multiInstanceLoopCharacteristics as Record<string, unknown> | '' | undefined;
    let kind: Kind = 'single';
    if (mi !== undefined && deps.length > 1) {
      const m = (mi || {}) as Record<string, unknown>;
      const completion = textOf(m.completionCondition);
      kind = String(m['@_isSequential']) === 'true' ? 'sequential' : /nrOfCompletedInstances\s*(>=\s*1|>\s*0)/.test(completion) ? 'anysign' : 'countersign';
    } else if (deps.length > 1) kind = 'countersign';
    const materials = materialsOf(el);
    return {
      key: keyOf(el),
      name: String(el['@_name'] ?? el['@_id']).slice(0, 50),
      role,
      ...(deps.length > 1 ? { departments: deps } : { department: deps[0] }),
      budgetDays: budgets.get(id) ?? 1,
      kind,
      ...(materials ? { materials } : {}),
    };
  };
  const next = (id: string): string | null => {
    const fl = out.get(id) ?? [];
    if (fl.length > 1) throw bpmnError(`元素 ${id} 有多条出口，须经网关分支`, `${id} has several outgoing flows; branch with a gateway`);
    return fl[0]?.to ?? null;
  };
  const reach = (from: string): string[] => {
    const seen: string[] = [];
    const q = [from];
    while (q.length) {
      const n = q.shift()!;
      if (seen.includes(n)) continue;
      seen.push(n);
      for (const f of out.get(n) ?? []) q.push(f.to);
    }
    return seen;
  };
  let steps = 0;
  /** Stages from `from` until `stop` (exclusive) or an end event. */
  const walk = (from: string | null, stop: string | null): ProcessStage[] => {
    const stages: ProcessStage[] = [];
    let cur = from;
    while (cur && cur !== stop) {
      if (++steps > 1000) throw bpmnError('流程含有环路', 'the process has a loop');
      const { type } = els.get(cur)!;
      if (type === 'endEvent') return stages;
      if (type === 'startEvent') throw bpmnError('开始事件不能被连入', 'a flow leads into the start event');
      if (type === 'userTask') {
        stages.push(stageOfTask(cur));
        cur = next(cur);
        continue;
      }
      const flows = out.get(cur) ?? [];
      if (flows.length <= 1) {
        cur = flows[0]?.to ?? null; // a join, or a gateway that passes through
        continue;
      }
      // A fork: its join is the first element every branch reaches.
      const branches = flows.map((f) => reach(f.to));
      const join = branches[0].find((n) => branches.every((b) => b.includes(n)));
      if (!join) throw bpmnError(`网关 ${cur} 的分支没有汇合`, `the branches of gateway ${cur} do not join again`, { element: cur });
      if (type === 'parallelGateway') {
        const tasks = flows.map((f) => {
          if (els.get(f.to)?.type !== 'userTask' || next(f.to) !== join) throw bpmnError(`并行网关 ${cur} 的每个分支须为一个用户任务（会签）`, `each branch of parallel gateway ${cur} must be one user task (countersign)`, { element: cur });
          return stageOfTask(f.to);
        });
        const deps = tasks.map((t) => t.department ?? o.itemDepartment);
        if (new Set(deps).size !== deps.length) throw bpmnError(`会签 ${cur} 的各分支须为不同部门`, `the branches of countersign ${cur} must be different departments`, { element: cur });
        const [first] = tasks;
        for (const t of tasks.slice(1)) used.delete(t.key);
        const gw = els.get(cur)!.el;
        stages.push({ key: first.key, name: String(gw['@_name'] ?? first.name).slice(0, 50), role: first.role, departments: deps, budgetDays: Math.max(...tasks.map((t) => t.budgetDays)), kind: 'countersign', ...(first.materials ? { materials: first.materials } : {}) });
      } else {
        const gw = els.get(cur)!.el;
        const def = gw['@_default'] ? String(gw['@_default']) : null;
        const conds = flows.map((f) => (f.id === def ? null : f.cond ? parseCondition(f.cond, 'body/bpmn') : null));
        const unconditioned = flows.filter((f, i) => !conds[i]);
        if (unconditioned.length > 1) throw bpmnError(`排他网关 ${cur} 只能有一条无条件（默认）出口`, `exclusive gateway ${cur} may have one unconditional (default) flow only`, { element: cur });
        flows.forEach((f, i) => {
          const others = conds.filter((c, j) => j !== i && c) as Condition[];
          const cond: Condition = conds[i] ?? (others.length === 1 ? { not: others[0] } : { not: { any: others } });
          for (const st of walk(f.to, join)) stages.push({ ...st, condition: st.condition ? { all: [cond, st.condition] } : cond });
        });
      }
      cur = next(join);
    }
    return stages;
  };
  const stages = walk(next(starts[0].el['@_id']), null);
  if (!stages.length) throw bpmnError('流程中没有用户任务', 'the process has no user task');
  if (stages.length > 20) throw bpmnError('环节过多（上限 20）', 'too many stages (20 at most)');
  const payAfter = proc['@_paymentAfter'] ? String(proc['@_paymentAfter']) : null;
  if (payAfter && !stages.some((s) => s.key === payAfter)) throw bpmnError(`缴费环节之前的环节 ${payAfter} 不存在`, `the stage before payment, ${payAfter}, does not exist`);
  return { stages, payment: payAfter ? { afterStage: payAfter, budgetDays: Number(proc['@_paymentDays'] ?? 0) || 0 } : null };
}

/** Checks a process for the engine: acceptance first and unconditional, a decision that always happens, fields of conditions in the form. */
export function checkProcess(def: ProcessDef, formFields: Set<string>): void {
  const [first] = def.stages;
  if (first.condition) throw bpmnError('第一个环节（受理）不能有条件', 'the first stage (acceptance) cannot be conditional');
  let decision = -1;
  def.stages.forEach((s, i) => {
    if (s.role === 'decider') decision = i;
  });
  if (decision < 0) decision = def.stages.length - 1;
  if (def.stages[decision].condition) throw bpmnError(`决定环节「${def.stages[decision].name}」不能有条件`, `the decision stage "${def.stages[decision].name}" cannot be conditional`);
  for (const s of def.stages) {
    if (s.kind !== 'single' && (s.departments?.length ?? 0) < 2) throw bpmnError(`环节「${s.name}」的会签/或签/依次须有至少两个部门`, `stage "${s.name}" signs with several departments: at least two are needed`);
    if (s.budgetDays < 0 || s.budgetDays > 3650) throw bpmnError(`环节「${s.name}」时限无效`, `stage "${s.name}": invalid time budget`);
    const walk = (c: Condition): string[] => ('all' in c ? c.all.flatMap(walk) : 'any' in c ? c.any.flatMap(walk) : 'not' in c ? walk(c.not) : [c.field]);
    for (const f of s.condition ? walk(s.condition) : []) if (!formFields.has(f.split('.')[0])) throw bpmnError(`环节「${s.name}」的条件引用了表单中没有的字段 ${f}`, `stage "${s.name}": its condition reads ${f}, which the form does not have`, { formField: f });
  }
}
