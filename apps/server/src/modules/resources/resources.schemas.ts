import { Type, type Static, type TLiteral } from '@sinclair/typebox';
import { OPEN_CLASSES, SHARING_CLASSES, SUBJECT_KINDS, UPDATE_FREQUENCIES } from './resources.types';

function lit<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Union(values.map((v) => Type.Literal(v)) as unknown as { -readonly [K in keyof T]: TLiteral<T[K]> }, description ? { description } : {});
}

export const FieldSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][A-Za-z0-9_]{0,39}$', description: 'machine name (the key in row data)' }),
    label: Type.String({ minLength: 1, maxLength: 60, description: '数据项名称' }),
    labelEn: Type.Optional(Type.String({ maxLength: 80 })),
    type: Type.Union([Type.Literal('string'), Type.Literal('integer'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('date'), Type.Literal('datetime')]),
    personal: Type.Boolean({ description: '个人信息' }),
    sensitive: Type.Boolean({ description: '敏感个人信息' }),
  },
  { additionalProperties: false },
);

const Common = {
  name: Type.String({ minLength: 2, maxLength: 100, description: '资源名称 (what catalog items name in shared_data materials)' }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  providerDepartmentId: Type.String({ format: 'uuid', description: '提供部门' }),
  subjectKind: lit(SUBJECT_KINDS, 'whose data each row is: a person, an enterprise, or nobody'),
  keyField: Type.String({ pattern: '^[a-z][A-Za-z0-9_]{0,39}$', description: "the subject's identifier field (ID number, credit code), or the row key of non-subject resources" }),
  fields: Type.Array(FieldSchema, { minItems: 1, maxItems: 200 }),
  sharingClass: lit(SHARING_CLASSES, '共享属性: unconditional 无条件共享 / conditional 有条件共享 / none 不予共享'),
  openClass: lit(OPEN_CLASSES, '开放属性: unconditional 无条件开放 / conditional 有条件开放 / none 不予开放'),
  updateFrequency: lit(UPDATE_FREQUENCIES, '更新周期'),
  legalBasis: Type.Optional(Type.String({ maxLength: 500 })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 30 }), { maxItems: 20 })),
};

export const CreateBody = Type.Object(
  { code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*(\\.[A-Z0-9_]+)*$', minLength: 3, maxLength: 60, description: 'stable code, e.g. GAJ.POPULATION' }), ...Common },
  { additionalProperties: false },
);
export type CreateBodyT = Static<typeof CreateBody>;
export const UpdateBody = Type.Object({ ...Common, version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 300 }) }, { additionalProperties: false });

export const ResourceSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  description: Type.String(),
  provider: Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), nameEn: Type.String() }),
  regionCode: Type.String(),
  subjectKind: Type.String(),
  keyField: Type.String(),
  fields: Type.Array(FieldSchema),
  sharingClass: Type.String(),
  openClass: Type.String(),
  updateFrequency: Type.String(),
  legalBasis: Type.String(),
  tags: Type.Array(Type.String()),
  status: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const AdminResourceSchema = Type.Composite([ResourceSchema, Type.Object({ rowCount: Type.Integer(), canManage: Type.Boolean() })]);

export const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    providerDepartmentId: Type.Optional(Type.String({ format: 'uuid' })),
    sharingClass: Type.Optional(lit(SHARING_CLASSES)),
    openClass: Type.Optional(lit(OPEN_CLASSES)),
    subjectKind: Type.Optional(lit(SUBJECT_KINDS)),
    includeRetired: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 60, description: 'resource id (uuid) or code' }) });

export const RowSchema = Type.Object({
  rowKey: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  seq: Type.Integer(),
  updatedAt: Type.String(),
});

export const RowsBody = Type.Object(
  {
    rows: Type.Array(
      Type.Object(
        {
          rowKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          regionCode: Type.Optional(Type.Union([Type.String({ pattern: '^\\d{6}$' }), Type.Null()])),
          data: Type.Record(Type.String(), Type.Unknown()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
