/**
 * Factories for tests of this module and of others (convention: each module exports its own):
 * publishing test items and bundles through the real catalog service, an injected clock, and
 * "time travel" for timers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { systemAdminContext, type RequestContext } from '../../shared/actor';
import type { ItemContent, BundleContent } from '../catalog';
import { ManualClock } from './applications.clock';
import { QUEUES } from './applications.engine';

export const adminCtx = (): RequestContext => systemAdminContext('test loader');

export async function departmentId(app: FastifyInstance, code: string): Promise<string> {
  const d = await app.services.org.departmentByCode(code);
  if (!d) throw new Error(`no department ${code}`);
  return d.id;
}

export type Stage = ItemContent['process']['stages'][number];

export interface TestItemSpec {
  name: string;
  departmentId: string;
  legal: number;
  promised: number;
  stages: Stage[];
  form?: Record<string, unknown>;
  objects?: ('natural_person' | 'legal_person')[];
  special?: ItemContent['specialProcedures'];
  resultName?: string;
  /** A fee, paid after the stage named. */
  fee?: { amount: number; afterStage: string };
}

export const basicForm = {
  type: 'object',
  properties: {
    applicantName: { type: 'string', title: '申请人姓名', minLength: 2, maxLength: 50 },
    mobile: { type: 'string', title: '联系电话', pattern: '^1[3-9][0-9]{9}$' },
    reason: { type: 'string', title: '申请事由', maxLength: 500 },
  },
  required: ['applicantName', 'mobile'],
};

/** A valid public-service item (passes the catalog's linter). */
export function testItem(s: TestItemSpec): ItemContent {
  return {
    basicCode: `20${String(randomInt(10_000_000, 99_999_999))}`,
    handlingItem: '001',
    name: s.name,
    aliases: [],
    itemType: 'public_service',
    serviceObjects: s.objects ?? ['natural_person'],
    departmentId: s.departmentId,
    powerSource: 'statutory',
    legalLimit: { days: s.legal, note: '自受理之日起计算' },
    promisedLimit: { days: s.promised, note: '承诺时限' },
    handlingKind: 'promised',
    specialProcedures: s.special ?? [],
    visits: 0,
    onlineDepth: 4,
    expressDelivery: false,
    onlinePayment: !!s.fee,
    fees: s.fee ? [{ name: '工本费', standard: `${s.fee.amount} 元/件`, amount: s.fee.amount, basis: '收费标准（测试）' }] : [],
    crossProvince: { mode: 'none', regions: [], ways: [] },
    conditions: ['符合条件的申请人'],
    legalBasis: [],
    faq: [{ q: '可以网上办理吗？', a: '可以。' }],
    themes: [],
    result: { kind: 'record', name: s.resultName ?? `${s.name}结果` },
    materials: [
      { key: 'statement', name: '申请书', requirement: 'required', format: 'electronic', copies: 1, acceptance: '内容完整', source: { kind: 'applicant' }, reuseGrade: 'D' },
    ],
    form: s.form ?? basicForm,
    process: { stages: s.stages, payment: s.fee ? { afterStage: s.fee.afterStage, budgetDays: 0 } : null },
  } as ItemContent;
}

/** 受理 → 审查 → 决定 in one department. */
export function threeStages(dept: string, budgets: [number, number, number] = [1, 2, 1]): Stage[] {
  return [
    { key: 'accept', name: '受理', role: 'window_clerk', department: dept, budgetDays: budgets[0], kind: 'single' },
    { key: 'review', name: '审查', role: 'reviewer', department: dept, budgetDays: budgets[1], kind: 'single' },
    { key: 'decide', name: '决定', role: 'decider', department: dept, budgetDays: budgets[2], kind: 'single' },
  ];
}

/** Publishes items (and bundles) through the catalog service; returns their ids in order. */
export async function publish(app: FastifyInstance, items: ItemContent[], bundles: ((ids: string[]) => BundleContent)[] = []): Promise<{ items: string[]; bundles: string[] }> {
  const ids = items.map(() => randomUUID());
  const bundleIds = bundles.map(() => randomUUID());
  await app.services.catalog.loadPublished(adminCtx(), {
    items: items.map((content, i) => ({ id: ids[i], content })),
    bundles: bundles.map((b, i) => ({ id: bundleIds[i], content: b(ids) })),
  });
  return { items: ids, bundles: bundleIds };
}

export function testBundle(s: { code: string; name: string; lead: string; items: string[]; dependencies?: BundleContent['dependencies']; denialPolicy?: BundleContent['denialPolicy'] }): BundleContent {
  return {
    code: s.code,
    name: s.name,
    aliases: [],
    description: '测试一件事',
    themes: [],
    serviceObjects: ['natural_person'],
    leadDepartmentId: s.lead,
    items: s.items.map((itemId) => ({ itemId })),
    dependencies: s.dependencies ?? [],
    fieldMap: [],
    denialPolicy: s.denialPolicy ?? 'stop_dependents',
  } as BundleContent;
}

/** Injects a manual clock into the applications module. */
export function useTestClock(app: FastifyInstance, start: string): ManualClock {
  const clock = new ManualClock(start);
  app.services.applications.useClock(clock);
  return clock;
}

/**
 * Time travel: sets the clock and makes every pending timer of the module due, then drains the
 * job runner. Each timer checks itself against the clock: those whose instant has come act,
 * the others wait again.
 */
export async function travel(app: FastifyInstance, clock: ManualClock, to: string): Promise<void> {
  clock.set(to);
  await app.database.db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', QUEUES.timer).where('state', '=', 'pending').execute();
  await app.services.jobs.drain();
}

export function ok(res: LightMyRequestResponse, status = 200) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body.slice(0, 800)}`);
  return res.json();
}
