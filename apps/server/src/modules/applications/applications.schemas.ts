/** Request and response schemas of applications (办件) and tasks (办理任务); they are the OpenAPI. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NOT_ACCEPTED_REASONS, STATES } from './applications.machine';

const Uuid = Type.String({ format: 'uuid' });
const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const keys = (o: object) => Type.Union(Object.keys(o).map((k) => Type.Literal(k)));

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'a unique key per submission (e.g. a UUID); a retry with the same key never submits twice' })),
});

export const ListQuery = Type.Object(
  {
    state: Type.Optional(keys(STATES)),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const FormData = Type.Object({}, { additionalProperties: true, description: "form data: the item's form (JSON Schema) or the bundle's merged form" });

export const MaterialInput = Type.Object(
  {
    key: Text(48),
    fileIds: Type.Optional(Type.Array(Uuid, { maxItems: 20, uniqueItems: true, description: 'files uploaded with POST /api/files, owned by the applicant' })),
    licenceId: Type.Optional(Text(100, 1)),
  },
  { additionalProperties: false, description: "a material of the item: files handed in, or for an e-licence material (免提交) the licence the applicant authorises (licenceId)" },
);
export const MaterialsInput = Type.Array(MaterialInput, { maxItems: 60 });

export const CreateBody = Type.Object(
  {
    materials: Type.Optional(MaterialsInput),
    itemId: Type.Optional(Uuid),
    bundleId: Type.Optional(Uuid),
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'published version applied for (default: the latest)' })),
    formData: Type.Optional(FormData),
    submit: Type.Optional(Type.Boolean({ description: 'submit at once (needs an Idempotency-Key header); otherwise a draft is saved' })),
  },
  { additionalProperties: false },
);
export type CreateBodyT = Static<typeof CreateBody>;

export const IntakeBody = Type.Object(
  {
    idNumber: Type.String({ minLength: 18, maxLength: 18, description: "the person's resident ID number, as on the document checked at the counter" }),
    name: Text(50, 2),
    materials: Type.Optional(MaterialsInput),
    itemId: Type.Optional(Uuid),
    bundleId: Type.Optional(Uuid),
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    formData: Type.Optional(FormData),
  },
  { additionalProperties: false },
);

export const SaveDraftBody = Type.Object(
  { formData: FormData, materials: Type.Optional(MaterialsInput), version: Type.Integer({ minimum: 1, description: 'the version of the draft last read (another device may have saved since)' }) },
  { additionalProperties: false },
);

export const WithdrawBody = Type.Object({ reason: Text(500, 2) }, { additionalProperties: false });

export const SupplementBody = Type.Object(
  {
    formData: Type.Optional(FormData),
    note: Type.Optional(Text(1000)),
    materials: Type.Optional(
      Type.Array(Type.Object({ key: Text(48), fileId: Type.Optional(Uuid), note: Type.Optional(Text(300)) }, { additionalProperties: false }), { maxItems: 60 }),
    ),
  },
  { additionalProperties: false },
);

export const ApplicationSchema = Type.Object(
  {
    id: Type.String(),
    number: Nullable(Type.String()),
    kind: Type.String(),
    title: Type.String(),
    state: Type.String(),
    stateLabel: Type.Object({ zh: Type.String(), en: Type.String() }),
    version: Type.Integer(),
  },
  { additionalProperties: true, description: 'an application with its clock, current step, children (bundles) and timeline' },
);

export const ApplicationList = Type.Array(ApplicationSchema);

// ---- officers --------------------------------------------------------------------------------

export const TaskListQuery = Type.Object(
  {
    scope: Type.Union([Type.Literal('todo'), Type.Literal('mine'), Type.Literal('done')], { default: 'todo', description: 'todo: open tasks of my department and role; mine: claimed by me; done: completed by me' }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
    waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30, description: 'To-do list only: when there is nothing to do, wait up to this long for a task to open in the department (long polling)' })),
  },
  { additionalProperties: false },
);

export const TaskSchema = Type.Object(
  { id: Type.String(), state: Type.String(), action: Type.String(), dueDate: Nullable(Type.String()), daysLeft: Nullable(Type.Integer()), sla: Nullable(Type.String()) },
  { additionalProperties: true, description: 'a task with its SLA colour (normal / warning / overdue) and working days left' },
);

export const TaskView = Type.Object(
  {
    task: TaskSchema,
    application: ApplicationSchema,
    materials: Type.Array(Open('material: handed in (files) or 免提交 (evidence from an e-licence or shared data)')),
    materialCounts: Type.Optional(Open('materials of the item: total, exempt (免提交, resolved), elicence')),
    specialProcedures: Type.Array(Open('special procedure')),
    notAcceptedReasons: Type.Array(Open('reason code')),
  },
  { additionalProperties: false },
);

export const NoteBody = Type.Object({ note: Type.Optional(Text(1000)) }, { additionalProperties: false });

export const NotAcceptBody = Type.Object({ reasonCode: keys(NOT_ACCEPTED_REASONS), reason: Text(1000, 2) }, { additionalProperties: false });

export const SupplementRequestBody = Type.Object(
  {
    items: Type.Array(
      Type.Object({ kind: Type.Union([Type.Literal('field'), Type.Literal('material')]), key: Text(48), reason: Text(300) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50, description: 'exactly what is missing or wrong: form fields and materials of the item' },
    ),
    note: Type.Optional(Text(1000)),
    replyWithinDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'working days the applicant has to reply (default 10)' })),
  },
  { additionalProperties: false },
);

export const ReviewBody = Type.Object({ agree: Type.Boolean(), opinion: Text(2000) }, { additionalProperties: false });

export const DecideBody = Type.Object(
  {
    approve: Type.Boolean(),
    opinion: Text(2000),
    reasons: Type.Optional(Type.Array(Text(500), { minItems: 1, maxItems: 20, description: 'reasons of a denial (required when approve is false)' })),
    result: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,47}$' }), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), {
        description: 'result fields (e.g. householdNo) that dependent items of a bundle receive',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DeliverBody = Type.Object(
  { method: Type.Union([Type.Literal('online'), Type.Literal('window'), Type.Literal('mail')]), note: Type.Optional(Text(500)) },
  { additionalProperties: false },
);

export const SpecialProcedureBody = Type.Object({ name: Text(50), note: Type.Optional(Text(1000)) }, { additionalProperties: false });

export const EscalationQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }) },
  { additionalProperties: false },
);
export const EscalationList = Type.Array(Open('an overdue application escalated to supervision (督办)'));

// ---- process definitions -------------------------------------------------------------------

export const ProcessImportBody = Type.Object(
  { bpmn: Type.String({ minLength: 20, maxLength: 1_000_000, description: 'BPMN 2.0 XML' }), dryRun: Type.Optional(Type.Boolean({ description: 'check and show the process without saving it' })) },
  { additionalProperties: false },
);

export const ProcessView = Type.Object(
  { itemId: Type.String(), itemName: Type.String(), source: Type.String(), process: Open('stages (role, department(s), budget, kind, condition) and the payment step'), updatedAt: Nullable(Type.String()) },
  { additionalProperties: true },
);
