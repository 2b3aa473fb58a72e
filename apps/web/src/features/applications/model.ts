/**
 * The shapes of /api/applications and /api/tasks as the pages use them (the server's presenter,
 * apps/server/src/modules/applications/applications.presenter.ts, is the source of truth; fields
 * the server may add later are optional here), and the small helpers around them.
 */
import { get, post, put, type LocalizedText } from '../../api';

export type Sla = 'normal' | 'warning' | 'overdue';

export interface Clock {
  legalDays: number | null;
  promisedDays: number | null;
  acceptedAt: string | null;
  legalDue: string | null;
  promisedDue: string | null;
  daysLeft: number | null;
  legalDaysLeft: number | null;
  paused: boolean;
  pauseReason: string | null;
  pausedSince: string | null;
  pausedDays: number | null;
  sla: Sla | null;
  stopped: boolean;
  /** A due date lies in a year whose holiday arrangement is not published yet (暂定). */
  provisional?: boolean;
  provisionalNote?: { zh: string; en: string } | null;
  legalDueProvisional?: boolean;
  promisedDueProvisional?: boolean;
}

export interface Step {
  index: number;
  key: string;
  name: string;
  action: string;
  actionLabel: LocalizedText;
  signKind: string;
  departments: { id: string; name: string }[];
  dueDate: string | null;
  daysLeft: number | null;
}

export interface TimelineEvent {
  id: string;
  applicationId: string;
  at: string;
  type: string;
  fromState: string | null;
  toState: string | null;
  visibility: 'public' | 'internal';
  message: LocalizedText;
  actor: { kind: string; name: string | null; department: string | null };
  data: Record<string, unknown> | null;
}

export interface SupplementItem {
  kind: 'field' | 'material';
  key: string;
  reason: string;
  label?: string;
}

export interface SupplementRequest {
  items: SupplementItem[];
  note: string | null;
  requestedAt: string;
  department: string;
  replyBy?: string;
  answeredAt?: string;
}

export interface Outcome {
  kind: 'approved' | 'denied' | 'not_accepted' | 'withdrawn' | 'partially_approved' | string;
  opinion?: string;
  reasons?: string[];
  reason?: string;
  reasonCode?: string;
  reasonLabel?: LocalizedText;
  department?: string;
  appeal?: { text: LocalizedText; [k: string]: unknown };
}

export interface Result {
  kind: string;
  name: string;
  number?: string;
  issuedBy?: string;
  decidedAt?: string;
  fields?: Record<string, unknown>;
}

export interface Receipt {
  kind: string;
  title: string;
  number: string;
  trackUrl?: string;
  items?: { number: string; name: string; department: string }[];
  [k: string]: unknown;
}

export interface ChildApplication {
  id: string;
  number: string | null;
  title: string;
  item: { id: string; version: number };
  department: { id: string; name: string } | null;
  state: string;
  stateLabel: LocalizedText;
  waitingFor: string[];
  clock: Clock;
  currentStep: Step | null;
  supplement: SupplementRequest | null;
  outcome: Outcome | null;
  result: Result | null;
  receipt: Receipt | null;
  received: { itemId: string; result?: { name: string; fields?: Record<string, unknown> } }[];
  awaiting?: string | null;
  payment?: PaymentRef | null;
  materials?: MaterialRecord[];
}

/** The payment order an application's payment step waits for (统一支付). */
export interface PaymentRef {
  orderId: string;
  orderNo: string;
  amountFen: number;
  state: string;
  step: number;
  expiresAt: string | null;
  paidAt: string | null;
  refundedFen: number;
}

export interface TaskSummary {
  id: string;
  applicationId: string;
  rootId?: string | null;
  step: number;
  stage: { key: string; name: string };
  action: 'accept' | 'review' | 'decide' | 'deliver' | string;
  actionLabel: LocalizedText;
  signKind: string;
  role: string;
  roleLabel: LocalizedText;
  department: { id: string; name: string };
  state: string;
  stateLabel: LocalizedText;
  assignee: { id: string; name: string | null } | null;
  outcome: string | null;
  opinion: string | null;
  dueDate: string | null;
  budgetDays: number | null;
  daysLeft: number | null;
  /** The due date lies in a year whose holiday arrangement is not published yet (暂定). */
  dueProvisional?: boolean;
  sla: Sla | null;
  openedAt: string | null;
  completedAt: string | null;
}

export interface Application {
  id: string;
  number: string | null;
  kind: 'single' | 'bundle' | 'child' | string;
  parentId: string | null;
  title: string;
  state: string;
  stateLabel: LocalizedText;
  version: number;
  item: { id: string; version: number | null } | null;
  bundle: { id: string; version: number | null } | null;
  department: { id: string; name: string } | null;
  applicant: { kind: string; name: string; onBehalf: boolean };
  formData: Record<string, unknown>;
  createdAt: string;
  draftSavedAt: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  concludedAt: string | null;
  withdrawnAt: string | null;
  clock: Clock;
  currentStep: Step | null;
  awaiting: string | null;
  supplement: SupplementRequest | null;
  outcome: Outcome | null;
  result: Result | null;
  receipt: Receipt | null;
  received: ChildApplication['received'];
  payment?: PaymentRef | null;
  /** Submitted: MaterialRecord[]; a draft: the MaterialInput[] saved with it. */
  materials?: (MaterialRecord | MaterialInput)[];
  children?: ChildApplication[];
  timeline?: TimelineEvent[];
  tasks?: TaskSummary[];
  promisedDays?: number | null;
  /** Officer view: result fields the dependent items of a bundle need from this decision (if the server says). */
  resultFieldsNeeded?: string[];
}

export interface TaskRow extends TaskSummary {
  application: {
    id: string;
    number: string | null;
    title: string;
    state: string;
    kind: string;
    bundleId: string | null;
    applicant: { kind: string; name: string };
    submittedAt: string | null;
    promisedDue: string | null;
    legalDue: string | null;
    paused: boolean;
    pauseReason: string | null;
  };
  blocked: 'supplement' | 'special_procedure' | null;
}

export interface FileRef {
  id: string;
  name: string;
  mediaType?: string;
  size?: number;
  url?: string;
}

/** Evidence of a 免提交 material from the licences or exchange module (the officer sees data and reference). */
export interface Evidence {
  status: 'resolved' | 'unavailable';
  kind: string;
  reference?: string | null;
  verified: boolean;
  data?: Record<string, unknown>;
  from: string | null;
  checkedAt: string;
  reason?: LocalizedText;
}

/** A material of a submitted application: handed in (files), resolved (免提交, evidence), missing, unavailable. */
export interface MaterialRecord {
  key: string;
  name: string;
  requirement: string;
  source: string;
  exempt: boolean;
  status: 'handed_in' | 'missing' | 'resolved' | 'unavailable' | 'uploaded_instead' | null;
  files: FileRef[];
  evidence?: Evidence | null;
  licenceId?: string | null;
}

export type TaskMaterial = MaterialRecord;

/** What a draft keeps of its materials: the files cited per material. */
export interface MaterialInput {
  key: string;
  fileIds?: string[];
  licenceId?: string;
}

export interface TaskView {
  task: TaskSummary;
  application: Application;
  materials: TaskMaterial[];
  specialProcedures: { name: string; limitDays?: number | null }[];
  notAcceptedReasons: { code: string; zh: string; en: string }[];
}

// ---- catalog (what the apply page needs) ----------------------------------------------------

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  'x-question'?: string;
  'x-order'?: number;
  'x-widget'?: string;
  'x-placeholder'?: string;
  'x-material'?: string;
}

export interface CatalogMaterial {
  key: string;
  name: string;
  requirement: string;
  exempt: boolean;
  condition?: string | null;
  source: { kind: string; licenceType?: string };
  sourceLabel?: LocalizedText;
  licenceTypeLabel?: LocalizedText;
  acceptance?: string;
  copies?: number;
  items?: { key: string; itemId: string }[];
}

/** A catalog fee: `amount` in yuan (the payment order counts fen). */
export interface Fee {
  name: string;
  standard?: string;
  amount?: number;
  basis?: string;
}

export interface ApplyTarget {
  kind: 'item' | 'bundle';
  id: string;
  version: number;
  name: string;
  department: string | null;
  promisedDays: number | null;
  legalDays: number | null;
  schema: JsonSchema;
  materials: CatalogMaterial[];
  fees: Fee[];
  free: boolean;
  items: { id: string; name: string; department: string | null }[];
  /** Bundle: answers an earlier item's result fills in (not asked). */
  filledByResults: { field: string; itemId: string; fromItemId: string }[];
}

interface CatalogItem {
  id: string;
  version: number;
  name: string;
  department: { name: string } | null;
  legalLimit: { days: number };
  promisedLimit: { days: number };
  form: JsonSchema;
  materials: CatalogMaterial[];
  fees: Fee[];
  free: boolean;
}

interface CatalogBundle {
  id: string;
  version: number;
  name: string;
  leadDepartment: { name: string } | null;
  items: { id: string; name: string; department: { name: string } | null }[];
  timing: { promisedDays: number; legalDays: number };
  mergedForm: { schema: JsonSchema; filledByResults: ApplyTarget['filledByResults'] };
  materials: CatalogMaterial[];
  fees?: Fee[];
}

/** The item or bundle (a given version, or the latest) as the apply page renders it. */
export async function loadTarget(kind: 'item' | 'bundle', id: string, version?: number | null): Promise<ApplyTarget> {
  const base = `/api/catalog/${kind === 'item' ? 'items' : 'bundles'}/${encodeURIComponent(id)}`;
  const url = version ? `${base}/versions/${version}` : base;
  if (kind === 'item') {
    const it = await get<CatalogItem>(url);
    return {
      kind,
      id: it.id,
      version: it.version,
      name: it.name,
      department: it.department?.name ?? null,
      promisedDays: it.promisedLimit?.days ?? null,
      legalDays: it.legalLimit?.days ?? null,
      schema: it.form,
      materials: it.materials ?? [],
      fees: it.fees ?? [],
      free: it.free ?? (it.fees ?? []).length === 0,
      items: [{ id: it.id, name: it.name, department: it.department?.name ?? null }],
      filledByResults: [],
    };
  }
  const b = await get<CatalogBundle>(url);
  return {
    kind,
    id: b.id,
    version: b.version,
    name: b.name,
    department: b.leadDepartment?.name ?? null,
    promisedDays: b.timing?.promisedDays ?? null,
    legalDays: b.timing?.legalDays ?? null,
    schema: b.mergedForm.schema,
    materials: b.materials ?? [],
    fees: b.fees ?? [],
    free: (b.fees ?? []).length === 0,
    items: b.items.map((i) => ({ id: i.id, name: i.name, department: i.department?.name ?? null })),
    filledByResults: b.mergedForm.filledByResults ?? [],
  };
}

// ---- API calls ------------------------------------------------------------------------------

export const applicationsApi = {
  list: (q: { state?: string; limit?: number; offset?: number } = {}) => {
    const s = new URLSearchParams();
    if (q.state) s.set('state', q.state);
    s.set('limit', String(q.limit ?? 50));
    if (q.offset) s.set('offset', String(q.offset));
    return get<Application[]>(`/api/applications?${s.toString()}`);
  },
  get: (id: string) => get<Application>(`/api/applications/${id}`),
  createDraft: (body: { itemId?: string; bundleId?: string; version?: number; formData: Record<string, unknown>; materials?: MaterialInput[] }) => post<Application>('/api/applications', body),
  saveDraft: (id: string, formData: Record<string, unknown>, version: number, materials?: MaterialInput[]) =>
    put<Application>(`/api/applications/${id}`, { formData, version, ...(materials ? { materials } : {}) }),
  submit: (id: string, idempotencyKey: string) => post<Application>(`/api/applications/${id}/submit`, undefined, { headers: { 'Idempotency-Key': idempotencyKey } }),
  withdraw: (id: string, reason: string) => post<Application>(`/api/applications/${id}/withdraw`, { reason }),
  supplement: (id: string, body: { formData?: Record<string, unknown>; note?: string; materials?: { key: string; fileId?: string; note?: string }[] }) =>
    post<Application>(`/api/applications/${id}/supplement`, body),
};

export const tasksApi = {
  list: (scope: 'todo' | 'mine' | 'done', limit = 100) => get<TaskRow[]>(`/api/tasks?scope=${scope}&limit=${limit}`),
  get: (id: string) => get<TaskView>(`/api/tasks/${id}`),
  act: (id: string, action: string, body?: unknown) => post<TaskView>(`/api/tasks/${id}/${action}`, body ?? {}),
};

/** A UUID for an Idempotency-Key (crypto.randomUUID is missing on plain-HTTP origins of some browsers). */
export function newKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Text in the UI language from a {zh, en} pair. */
export function loc(text: LocalizedText | null | undefined, lang: string): string {
  if (!text) return '';
  return lang.startsWith('zh') ? text.zh : text.en;
}

/** The form fields in display order: x-order, then the order of `required`, then the rest by name. */
export function orderedFields(schema: JsonSchema): [string, JsonSchema][] {
  const props = Object.entries(schema.properties ?? {});
  const req = schema.required ?? [];
  const rank = ([k, s]: [string, JsonSchema]) => [typeof s['x-order'] === 'number' ? s['x-order'] : 1e6, req.includes(k) ? req.indexOf(k) : 1e6] as const;
  return props.sort((a, b) => {
    const [ao, ar] = rank(a);
    const [bo, br] = rank(b);
    return ao - bo || ar - br || a[0].localeCompare(b[0]);
  });
}

export const FINAL_STATES = ['not_accepted', 'concluded', 'withdrawn', 'stopped'];
export const WITHDRAWABLE = ['submitted', 'supplement_requested', 'accepted', 'under_review', 'special_procedure'];
