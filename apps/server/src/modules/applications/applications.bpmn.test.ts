/**
 * BPMN 2.0 import/export and conditions on form data: round trips (export → import → the same
 * process), a process drawn by hand the way Camunda Modeler / bpmn.io save it, refusals, the
 * expression language, and (over HTTP on both databases) an imported conditional process that
 * runs a stage only when the form data meet its condition; department admins only for their own items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { evaluate, parseCondition, printCondition, type Condition } from './applications.conditions';
import { durationDays, fromBpmn, toBpmn, type ProcessDef } from './applications.bpmn';
import { normalizeProcess } from './applications.definitions';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const GAJ = '11111111-1111-4111-8111-111111111111';
const SCJ = '22222222-2222-4222-8222-222222222222';
const WJW = '33333333-3333-4333-8333-333333333333';
const codes: Record<string, string> = { [GAJ]: 'FZ-GAJ', [SCJ]: 'FZ-SCJGJ', [WJW]: 'FZ-WJW' };
const byCode = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]));
const opts = { departmentByCode: (c: string) => byCode[c], itemDepartment: GAJ };
const roundTrip = (p: ProcessDef) => normalizeProcess(fromBpmn(toBpmn(p, { processId: 'Process_t', name: '测试', codeOf: (id) => codes[id], itemDepartment: GAJ }), opts), GAJ);

describe('conditions on form data', () => {
  it('parses, prints and evaluates without eval', () => {
    const c = parseCondition('${amount > 100000 && (kind == "new" || kind in ["a", "b"]) && !exists(remark)}');
    expect(c).toEqual({
      all: [
        { field: 'amount', op: 'gt', value: 100000 },
        { any: [{ field: 'kind', op: 'eq', value: 'new' }, { field: 'kind', op: 'in', value: ['a', 'b'] }] },
        { not: { field: 'remark', op: 'exists' } },
      ],
    });
    expect(parseCondition(printCondition(c))).toEqual(c);
    expect(evaluate(c, { amount: 200000, kind: 'b' })).toBe(true);
    expect(evaluate(c, { amount: 200000, kind: 'b', remark: 'x' })).toBe(false);
    expect(evaluate(c, { amount: 5, kind: 'new' })).toBe(false);
    expect(evaluate(parseCondition('owner.age >= 18'), { owner: { age: 18 } })).toBe(true);
    expect(evaluate(parseCondition('tags contains "x"'), { tags: ['y', 'x'] })).toBe(true);
    // Code is data, never run.
    expect(() => parseCondition('process.exit(1)')).toThrow(/CONDITION|条件/);
    expect(() => parseCondition('a == ')).toThrow();
    expect(() => parseCondition('a = 1')).toThrow();
    expect(evaluate(parseCondition('constructor == 1'), {})).toBe(false);
    expect(evaluate(parseCondition('__proto__.x == 1'), {})).toBe(false);
  });

  it('reads ISO durations as days', () => {
    expect(durationDays('P5D')).toBe(5);
    expect(durationDays('PT48H')).toBe(2);
    expect(durationDays('P1W')).toBe(5);
    expect(durationDays('5 days')).toBeNull();
  });
});

describe('BPMN 2.0 round trip', () => {
  const processes: ProcessDef[] = [
    { stages: [{ key: 'accept', name: '受理', role: 'window_clerk', department: GAJ, budgetDays: 1, kind: 'single' }, { key: 'decide', name: '决定', role: 'decider', department: GAJ, budgetDays: 2, kind: 'single' }], payment: null },
    {
      stages: [
        { key: 'accept', name: '受理', role: 'window_clerk', department: GAJ, budgetDays: 1, kind: 'single', materials: ['statement'] },
        { key: 'joint', name: '联合审查', role: 'reviewer', departments: [GAJ, SCJ, WJW], budgetDays: 3, kind: 'countersign' },
        { key: 'either', name: '或签', role: 'reviewer', departments: [SCJ, WJW], budgetDays: 2, kind: 'anysign' },
        { key: 'chain', name: '依次审批', role: 'reviewer', departments: [WJW, GAJ], budgetDays: 4, kind: 'sequential' },
        { key: 'big', name: '大额复核', role: 'reviewer', department: SCJ, budgetDays: 2, kind: 'single', condition: { all: [{ field: 'amount', op: 'gt', value: 100000 }, { not: { field: 'kind', op: 'in', value: ['a', 'b'] } }] } },
        { key: 'site', name: '现场核查', role: 'reviewer', departments: [GAJ, SCJ], budgetDays: 5, kind: 'countersign', condition: { field: 'needsVisit', op: 'eq', value: true } },
        { key: 'decide', name: '决定', role: 'decider', department: GAJ, budgetDays: 1, kind: 'single' },
        { key: 'deliver', name: '送达', role: 'window_clerk', department: GAJ, budgetDays: 0, kind: 'single' },
      ],
      payment: { afterStage: 'decide', budgetDays: 3 },
    },
  ];
  it.each(processes.map((p, i) => [i, p] as const))('process %i: export → import gives the same process', (_i, p) => {
    const back = roundTrip(p);
    expect(back).toEqual(normalizeProcess(p, GAJ));
    // And again: stable.
    expect(roundTrip(back)).toEqual(back);
  });

  it('imports a process drawn in Camunda Modeler / bpmn.io (namespaces, DI, ${…} conditions, default flow, timers)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_0x1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.28.0" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.22.0">
  <bpmn:process id="Process_shop" name="食品经营许可" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="提交申请"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_accept" name="窗口受理" camunda:candidateGroups="FZ-SCJGJ"><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_size" name="经营面积？" default="Flow_small"><bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_big</bpmn:outgoing><bpmn:outgoing>Flow_small</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_big" name="大于 500 平方米" sourceRef="Gateway_size" targetRef="Gateway_fork"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${area &gt; 500}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:parallelGateway id="Gateway_fork" name="联合现场核查"><bpmn:incoming>Flow_big</bpmn:incoming><bpmn:outgoing>Flow_a</bpmn:outgoing><bpmn:outgoing>Flow_b</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="Activity_fire" name="消防核查" camunda:candidateGroups="FZ-GAJ/reviewer" />
    <bpmn:userTask id="Activity_health" name="卫生核查" camunda:candidateGroups="FZ-WJW/reviewer" />
    <bpmn:parallelGateway id="Gateway_join" />
    <bpmn:exclusiveGateway id="Gateway_merge" />
    <bpmn:userTask id="Activity_decide" name="审批决定" camunda:candidateGroups="FZ-SCJGJ" />
    <bpmn:endEvent id="EndEvent_1" name="办结" />
    <bpmn:boundaryEvent id="Event_t1" cancelActivity="false" attachedToRef="Activity_accept"><bpmn:timerEventDefinition id="T1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="Event_t2" cancelActivity="false" attachedToRef="Activity_fire"><bpmn:timerEventDefinition id="T2"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P5D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="Event_t3" cancelActivity="false" attachedToRef="Activity_health"><bpmn:timerEventDefinition id="T3"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT72H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="Event_t4" cancelActivity="false" attachedToRef="Activity_decide"><bpmn:timerEventDefinition id="T4"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P2D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_accept" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_accept" targetRef="Gateway_size" />
    <bpmn:sequenceFlow id="Flow_small" sourceRef="Gateway_size" targetRef="Gateway_merge" />
    <bpmn:sequenceFlow id="Flow_a" sourceRef="Gateway_fork" targetRef="Activity_fire" />
    <bpmn:sequenceFlow id="Flow_b" sourceRef="Gateway_fork" targetRef="Activity_health" />
    <bpmn:sequenceFlow id="Flow_c" sourceRef="Activity_fire" targetRef="Gateway_join" />
    <bpmn:sequenceFlow id="Flow_d" sourceRef="Activity_health" targetRef="Gateway_join" />
    <bpmn:sequenceFlow id="Flow_e" sourceRef="Gateway_join" targetRef="Gateway_merge" />
    <bpmn:sequenceFlow id="Flow_f" sourceRef="Gateway_merge" targetRef="Activity_decide" />
    <bpmn:sequenceFlow id="Flow_g" sourceRef="Activity_decide" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_shop"><bpmndi:BPMNShape id="S1" bpmnElement="StartEvent_1"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
    const p = normalizeProcess(fromBpmn(xml, { ...opts, itemDepartment: SCJ }), SCJ);
    expect(p).toEqual({
      stages: [
        { key: 'Activity_accept', name: '窗口受理', role: 'window_clerk', department: SCJ, budgetDays: 1, kind: 'single' },
        { key: 'Activity_fire', name: '联合现场核查', role: 'reviewer', departments: [GAJ, WJW], budgetDays: 5, kind: 'countersign', condition: { field: 'area', op: 'gt', value: 500 } },
        { key: 'Activity_decide', name: '审批决定', role: 'decider', department: SCJ, budgetDays: 2, kind: 'single' },
      ],
      payment: null,
    });
  });

  it('refuses what it cannot run, saying what and where', () => {
    const wrap = (body: string) => `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P">${body}</bpmn:process></bpmn:definitions>`;
    expect(() => fromBpmn('<not xml', opts)).toThrow(/BPMN/);
    expect(() => fromBpmn('<!DOCTYPE x [<!ENTITY a "aaaa">]><x/>', opts)).toThrow(/DOCTYPE/);
    expect(() => fromBpmn(wrap('<bpmn:startEvent id="s"/><bpmn:serviceTask id="x"/>'), opts)).toThrow(/serviceTask/);
    expect(() => fromBpmn(wrap('<bpmn:startEvent id="s"/><bpmn:userTask id="t" camunda:candidateGroups="NOPE" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>'), opts)).toThrow(/NOPE/);
    expect(() => fromBpmn(wrap('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="g" sourceRef="t" targetRef="t"/>'), opts)).toThrow(/loop|环路/);
    expect(() => fromBpmn(wrap('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>'), opts)).toThrow(/user task|用户任务/);
  });
});

describe.each(DB_KINDS)('imported processes over HTTP on %s', (kind) => {
  let app: FastifyInstance;
  let gaj: string;
  let itemId: string;
  let admin: Client;
  let otherAdmin: Client;
  let zhang: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `bpmn-key-${kind}-${++key}-${Date.now()}` });
  const form = {
    type: 'object',
    properties: { applicantName: { type: 'string', minLength: 2 }, mobile: { type: 'string' }, amount: { type: 'number' } },
    required: ['applicantName', 'mobile'],
  };

  beforeAll(async () => {
    app = await testApp(kind);
    useTestClock(app, '2025-09-25T02:00:00Z');
    gaj = await departmentId(app, 'FZ-SCJGJ');
    ({ items: [itemId] } = await publish(app, [testItem({ name: '条件流程事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), form })]));
    admin = await staffLogin(app, 'scjg.admin');
    otherAdmin = await staffLogin(app, 'xzsp.admin');
    zhang = await personLogin(app, people[0].idNumber);
    window = await staffLogin(app, 'scjg.window');
    reviewer = await staffLogin(app, 'scjg.reviewer');
    decider = await staffLogin(app, 'scjg.decider');
  });
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, id: string) => ((ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string; stage: { key: string } }[]).find((t) => t.applicationId === id));

  it('exports the catalog process, imports a conditional one, and runs the review only when amount > 1000', async () => {
    const before = ok(await admin.req('GET', `/api/admin/items/${itemId}/process`));
    expect(before).toMatchObject({ source: 'catalog', process: { stages: [{ key: 'accept' }, { key: 'review' }, { key: 'decide' }] } });
    const res = await admin.req('GET', `/api/admin/items/${itemId}/process.bpmn`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    expect(res.body).toContain('camunda:candidateGroups="FZ-SCJGJ/reviewer"');
    expect(res.body).toContain('bpmndi:BPMNShape');
    // Add a condition to the review: through the XML, as an admin editing it in a modeler would.
    const def = before.process as ProcessDef;
    const cond: Condition = { field: 'amount', op: 'gt', value: 1000 };
    const edited = toBpmn({ ...def, stages: def.stages.map((s) => (s.key === 'review' ? { ...s, condition: cond } : s)) }, { processId: 'P', name: 'x', codeOf: () => 'FZ-SCJGJ', itemDepartment: gaj });
    const dry = ok(await admin.req('PUT', `/api/admin/items/${itemId}/process`, { bpmn: edited, dryRun: true }));
    expect(dry.dryRun).toBe(true);
    expect(ok(await admin.req('GET', `/api/admin/items/${itemId}/process`)).source).toBe('catalog');
    const imported = ok(await admin.req('PUT', `/api/admin/items/${itemId}/process`, { bpmn: edited }));
    expect(imported.process.stages[1]).toMatchObject({ key: 'review', condition: cond });
    // Another department's admin may not; a condition on a field the form lacks is refused.
    await expectProblem(await otherAdmin.req('PUT', `/api/admin/items/${itemId}/process`, { bpmn: edited }), 403, 'ITEM_OTHER_DEPARTMENT');
    const badField = toBpmn({ ...def, stages: def.stages.map((s) => (s.key === 'review' ? { ...s, condition: { field: 'salary', op: 'gt', value: 1 } } : s)) }, { processId: 'P', name: 'x', codeOf: () => 'FZ-SCJGJ', itemDepartment: gaj });
    await expectProblem(await admin.req('PUT', `/api/admin/items/${itemId}/process`, { bpmn: badField }), 400, 'BPMN_INVALID', 'body/bpmn');

    const run = async (amount: number) => {
      const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟', mobile: '13800591001', amount }, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id))!.id}/accept`, {}));
      return a.id as string;
    };
    const small = await run(500);
    expect(await taskOf(reviewer, small)).toBeUndefined();
    expect(await taskOf(decider, small)).toBeTruthy();
    const large = await run(5000);
    expect(await taskOf(reviewer, large)).toBeTruthy();
    expect(await taskOf(decider, large)).toBeUndefined();

    // Removing the import returns to the catalog's process.
    expect((await admin.req('DELETE', `/api/admin/items/${itemId}/process`)).statusCode).toBe(204);
    expect(ok(await admin.req('GET', `/api/admin/items/${itemId}/process`)).source).toBe('catalog');
  });
});
