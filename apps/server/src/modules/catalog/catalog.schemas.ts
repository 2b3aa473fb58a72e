/**
 * Request and response schemas of the catalog. These are also the documentation of the item,
 * process and bundle structures (they reach /docs through OpenAPI).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  CROSS_PROVINCE_WAYS,
  DENIAL_POLICIES,
  HANDLING_KINDS,
  ITEM_TYPES,
  MATERIAL_FORMATS,
  POWER_SOURCES,
  RESULT_KINDS,
  REUSE_GRADES,
  SERVICE_OBJECTS,
  STAGE_KINDS,
  STAGE_ROLES,
} from './catalog.vocabulary';

/** A union of the keys of a code list, typed as those keys. */
const keysOf = <T extends object>(o: T, opts: Record<string, unknown> = {}) =>
  Type.Unsafe<keyof T & string>(Type.Union(Object.keys(o).map((k) => Type.Literal(k)), opts));
const Text = (max: number, min = 1, description?: string) => Type.String({ minLength: min, maxLength: max, ...(description ? { description } : {}) });
const Uuid = Type.String({ format: 'uuid' });
const RegionCode = Type.String({ pattern: '^[0-9]{6}$', description: 'GB/T 2260 region code' });
const Key = Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,47}$' });
const LicenceType = Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$', description: 'e-licence type code, e.g. business_licence' });
const ThemeCode = Type.String({ pattern: '^[a-z][a-z0-9_]{1,47}$', description: 'code of a theme (life event / business event), see GET /api/catalog/themes' });
const Days = Type.Integer({ minimum: 0, maximum: 3650, description: 'working days (工作日)' });

export const MaterialSchema = Type.Object(
  {
    key: Type.String({ ...Key, description: 'stable key, referenced by form fields (x-material) and process stages (materials)' }),
    name: Text(100),
    requirement: Type.Union([Type.Literal('required'), Type.Literal('conditional')]),
    condition: Type.Optional(Text(300, 1, 'when a conditional material is needed')),
    format: keysOf(MATERIAL_FORMATS),
    copies: Type.Integer({ minimum: 0, maximum: 20 }),
    blankForm: Type.Optional(Text(500, 1, 'blank form (空白表格): file name or link')),
    sample: Type.Optional(Text(500, 1, 'filled-in sample (示例样表): file name or link')),
    acceptance: Text(500, 1, 'acceptance criteria (受理标准)'),
    source: Type.Union([
      Type.Object({ kind: Type.Literal('applicant') }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('elicence'), licenceType: LicenceType }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('shared_data'), resource: Text(100, 2, 'name of the shared data resource (数据资源)') }, { additionalProperties: false }),
    ]),
    reuseGrade: keysOf(REUSE_GRADES),
    note: Type.Optional(Text(300)),
  },
  { additionalProperties: false, description: 'A required material (申请材料). Materials whose source is an e-licence or shared data are 免提交.' },
);

export const StageSchema = Type.Object(
  {
    key: Key,
    name: Text(50),
    role: keysOf(STAGE_ROLES, { description: 'role that acts in this stage' }),
    department: Type.Optional(Type.String({ format: 'uuid', description: "department acting (default: the item's department)" })),
    departments: Type.Optional(Type.Array(Uuid, { minItems: 2, maxItems: 10, uniqueItems: true, description: 'departments that sign, for countersign / anysign / sequential' })),
    budgetDays: Days,
    kind: keysOf(STAGE_KINDS),
    materials: Type.Optional(Type.Array(Key, { maxItems: 60, uniqueItems: true, description: 'keys of the materials checked in this stage' })),
  },
  { additionalProperties: false },
);

/**
 * The process (办理流程) that the workflow engine (issue 4) executes: stages in order, each with a
 * role, a department, a budget in working days and how it signs; a payment step after a stage
 * when the item has a fee.
 */
export const ProcessSchema = Type.Object(
  {
    stages: Type.Array(StageSchema, { minItems: 1, maxItems: 20 }),
    payment: Type.Union([
      Type.Null(),
      Type.Object({ afterStage: Key, budgetDays: Type.Integer({ minimum: 0, maximum: 30 }) }, { additionalProperties: false }),
    ]),
  },
  { additionalProperties: false },
);

/** Any JSON Schema object (checked with ajv against its meta-schema when saved). */
export const FormSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  description: 'application form as JSON Schema (draft-07): type object with properties; a property may name a material with "x-material"',
});

export const ItemContentSchema = Type.Object(
  {
    basicCode: Type.String({ pattern: '^[0-9]{2}[0-9A-Z]{8,10}$', description: '基本编码: power-type code (2 digits) + main and sub item' }),
    handlingItem: Type.String({ pattern: '^[0-9]{2,3}$', description: '业务办理项 code, last part of the implementation code' }),
    name: Text(100, 2),
    aliases: Type.Array(Text(50), { maxItems: 20 }),
    itemType: keysOf(ITEM_TYPES),
    serviceObjects: Type.Array(keysOf(SERVICE_OBJECTS), { minItems: 1, maxItems: 2, uniqueItems: true }),
    departmentId: Type.String({ format: 'uuid', description: 'responsible department (实施主体)' }),
    regionCode: Type.Optional(RegionCode),
    powerSource: keysOf(POWER_SOURCES),
    legalLimit: Type.Object({ days: Days, note: Text(300, 0) }, { additionalProperties: false, description: '法定办结时限' }),
    promisedLimit: Type.Object({ days: Days, note: Text(300, 0) }, { additionalProperties: false, description: '承诺办结时限' }),
    handlingKind: keysOf(HANDLING_KINDS),
    specialProcedures: Type.Array(
      Type.Object({ name: Text(50), limitDays: Type.Optional(Days), note: Type.Optional(Text(300)) }, { additionalProperties: false }),
      { maxItems: 10, description: '特别程序 (hearing, testing, expert review …): pause the clock' },
    ),
    visits: Type.Integer({ minimum: 0, maximum: 5, description: '到现场次数' }),
    visitsReason: Type.Optional(Text(300)),
    onlineDepth: Type.Integer({ minimum: 1, maximum: 4, description: '网办深度 Ⅰ–Ⅳ' }),
    expressDelivery: Type.Boolean(),
    onlinePayment: Type.Boolean(),
    fees: Type.Array(
      Type.Object(
        { name: Text(100), standard: Text(200), amount: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })), basis: Text(300), reductions: Type.Optional(Text(300)) },
        { additionalProperties: false },
      ),
      { maxItems: 20, description: 'empty: free of charge' },
    ),
    crossProvince: Type.Object(
      {
        mode: Type.Union([Type.Literal('none'), Type.Literal('national'), Type.Literal('regions')]),
        regions: Type.Array(RegionCode, { maxItems: 40, uniqueItems: true }),
        ways: Type.Array(keysOf(CROSS_PROVINCE_WAYS), { maxItems: 3, uniqueItems: true }),
      },
      { additionalProperties: false, description: '跨省通办 scope' },
    ),
    conditions: Type.Array(Text(500), { maxItems: 30 }),
    legalBasis: Type.Array(
      Type.Object({ title: Text(200), article: Type.Optional(Text(100)), excerpt: Type.Optional(Text(2000)) }, { additionalProperties: false }),
      { maxItems: 20 },
    ),
    faq: Type.Array(Type.Object({ q: Text(300), a: Text(2000) }, { additionalProperties: false }), { maxItems: 30 }),
    themes: Type.Array(ThemeCode, { maxItems: 10, uniqueItems: true }),
    result: Type.Object(
      { kind: keysOf(RESULT_KINDS), name: Text(100), licenceType: Type.Optional(LicenceType) },
      { additionalProperties: false, description: 'what is issued' },
    ),
    materials: Type.Array(MaterialSchema, { maxItems: 60 }),
    form: FormSchema,
    process: ProcessSchema,
    window: Type.Optional(
      Type.Object({ address: Text(200), hours: Text(200), phone: Type.String({ pattern: '^[0-9-]{3,20}$', description: 'office telephone' }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type ItemContent = Static<typeof ItemContentSchema>;
export type Material = Static<typeof MaterialSchema>;
export type Stage = Static<typeof StageSchema>;

export const BundleContentSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z][a-z0-9-]{1,47}$', description: 'stable code of the bundle, e.g. newborn' }),
    name: Text(100, 2),
    aliases: Type.Array(Text(50), { maxItems: 20 }),
    description: Text(2000, 0),
    themes: Type.Array(ThemeCode, { maxItems: 10, uniqueItems: true }),
    serviceObjects: Type.Array(keysOf(SERVICE_OBJECTS), { minItems: 1, maxItems: 2, uniqueItems: true }),
    leadDepartmentId: Type.String({ format: 'uuid', description: 'lead department (牵头部门)' }),
    regionCode: Type.Optional(RegionCode),
    items: Type.Array(Type.Object({ itemId: Uuid, note: Type.Optional(Text(300)) }, { additionalProperties: false }), { minItems: 2, maxItems: 30 }),
    dependencies: Type.Array(
      Type.Object(
        {
          from: Type.String({ format: 'uuid', description: 'the item whose result is needed' }),
          to: Type.String({ format: 'uuid', description: 'the item that needs it' }),
          result: Text(200, 1, 'what result passes along'),
          fields: Type.Optional(Type.Array(Key, { maxItems: 50, uniqueItems: true, description: "fields of the dependent item's form filled from the result (not asked)" })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    fieldMap: Type.Array(
      Type.Object({ itemId: Uuid, field: Key, question: Key }, { additionalProperties: false }),
      { maxItems: 300, description: 'merges differently named fields into one question' },
    ),
    denialPolicy: keysOf(DENIAL_POLICIES),
  },
  { additionalProperties: false },
);
export type BundleContent = Static<typeof BundleContentSchema>;

export const FindingSchema = Type.Object({
  rule: Type.String(),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]),
  field: Type.Union([Type.String(), Type.Null()]),
  message: Type.Object({ zh: Type.String(), en: Type.String() }),
});
export type Finding = Static<typeof FindingSchema>;

const Open = (description?: string) => Type.Object({}, { additionalProperties: true, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const VersionInfoSchema = Type.Object({ version: Type.Integer(), publishedAt: Type.String(), publishedBy: Nullable(Type.String()) });

export const AdminItemSchema = Type.Object({
  id: Type.String(),
  implementationCode: Type.String(),
  name: Type.String(),
  departmentId: Type.String(),
  regionCode: Type.String(),
  status: Type.String(),
  latestVersion: Nullable(Type.Integer()),
  draft: Nullable(Open('the draft content (ItemContent)')),
  published: Nullable(Open('content of the latest published version (ItemContent): where a new draft starts')),
  draftFindings: Type.Array(FindingSchema),
  publishedFindings: Type.Array(FindingSchema),
  versions: Type.Array(VersionInfoSchema),
  retiredAt: Nullable(Type.String()),
  retiredReason: Nullable(Type.String()),
  updatedAt: Type.String(),
});

export const AdminBundleSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  leadDepartmentId: Type.String(),
  regionCode: Type.String(),
  status: Type.String(),
  latestVersion: Nullable(Type.Integer()),
  draft: Nullable(Open('the draft content (BundleContent)')),
  published: Nullable(Open('content of the latest published version (BundleContent): where a new draft starts')),
  draftFindings: Type.Array(FindingSchema),
  draftDerived: Nullable(Open('merged form, materials and timing computed from the draft')),
  publishedFindings: Type.Array(FindingSchema),
  versions: Type.Array(VersionInfoSchema),
  retiredAt: Nullable(Type.String()),
  retiredReason: Nullable(Type.String()),
  updatedAt: Type.String(),
});

export const AdminListQuery = Type.Object(
  {
    department: Type.Optional(Uuid),
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')])),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
  },
  { additionalProperties: false },
);

export const AdminListItemSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  code: Type.String(),
  name: Type.String(),
  departmentId: Type.String(),
  regionCode: Type.String(),
  status: Type.String(),
  latestVersion: Nullable(Type.Integer()),
  hasDraft: Type.Boolean(),
  lintErrors: Type.Integer(),
  lintWarnings: Type.Integer(),
  updatedAt: Type.String(),
});

export const SearchQuery = Type.Object(
  {
    q: Type.String({ maxLength: 100, default: '' }),
    department: Type.Optional(Uuid),
    region: Type.Optional(RegionCode),
    type: Type.Optional(Type.Union([...Object.keys(ITEM_TYPES).map((k) => Type.Literal(k)), Type.Literal('bundle')])),
    object: Type.Optional(keysOf(SERVICE_OBJECTS)),
    theme: Type.Optional(ThemeCode),
    crossProvince: Type.Optional(Type.Boolean()),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 4, description: 'minimum online depth' })),
    kind: Type.Optional(Type.Union([Type.Literal('item'), Type.Literal('bundle')])),
    facets: Type.Boolean({ default: true }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
    offset: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
  },
  { additionalProperties: false },
);
export type SearchParams = Static<typeof SearchQuery>;

const FacetValue = Type.Object({ value: Type.String(), label: Type.String(), count: Type.Integer() });
export const SearchResponse = Type.Object({
  query: Type.Object({ q: Type.String(), terms: Type.Array(Type.Array(Type.String())), relaxed: Type.Boolean() }),
  total: Type.Integer(),
  totalExact: Type.Boolean(),
  facetsExact: Type.Boolean({ description: 'false: department and region counts are estimated from a sample of the matches' }),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      version: Type.Integer(),
      name: Type.String(),
      highlight: Type.Object({ name: Type.String(), matches: Type.Array(Type.String()) }),
      departmentId: Type.String(),
      departmentName: Type.String(),
      regionCode: Type.String(),
      itemType: Type.String(),
      itemTypeLabel: Type.String(),
      serviceObjects: Type.Array(Type.String()),
      themes: Type.Array(Type.String()),
      onlineDepth: Type.Integer(),
      crossProvince: Type.Boolean(),
      promisedDays: Type.Integer(),
      materialCount: Type.Integer(),
      exemptCount: Type.Integer(),
      uses: Type.Integer(),
    }),
  ),
  facets: Type.Object({
    department: Type.Array(FacetValue),
    region: Type.Array(FacetValue),
    type: Type.Array(FacetValue),
    object: Type.Array(FacetValue),
    theme: Type.Array(FacetValue),
    depth: Type.Array(FacetValue),
    crossProvince: Type.Array(FacetValue),
  }),
});

export const SuggestQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 50 }), limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }) }, { additionalProperties: false });
export const SuggestResponse = Type.Object({ q: Type.String(), suggestions: Type.Array(Type.Object({ text: Type.String(), kind: Type.String(), highlight: Type.String() })) });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const VersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, { additionalProperties: false });
export const RetireBody = Type.Object({ reason: Text(500, 2) }, { additionalProperties: false });
export const ThemeSchema = Type.Object({ code: Type.String(), name: Type.String(), nameEn: Type.String(), audience: Type.String(), keywords: Type.Array(Type.String()), count: Type.Integer() });

export const AccuracySchema = Type.Object({
  score: Type.Number({ description: '0–100: share of published items and bundles free of errors, less 10 points per warning' }),
  items: Type.Integer(),
  bundles: Type.Integer(),
  withErrors: Type.Integer(),
  withWarnings: Type.Integer(),
  rules: Type.Array(Type.Object({ rule: Type.String(), count: Type.Integer() })),
  departments: Type.Array(Type.Object({ departmentId: Type.String(), name: Type.String(), score: Type.Number(), items: Type.Integer(), withErrors: Type.Integer(), withWarnings: Type.Integer() })),
});

export const SynonymsSchema = Type.Array(
  Type.Object({ kind: Type.Union([Type.Literal('equivalent'), Type.Literal('expansion')]), terms: Type.Array(Text(20), { minItems: 2, maxItems: 20, uniqueItems: true }) }, { additionalProperties: false }),
  { maxItems: 2000 },
);

// ---- packages (一地创新、多地复用) ------------------------------------------------------------

export const ExportBody = Type.Object(
  {
    name: Text(100),
    version: Type.String({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'version of the package, semver' }),
    items: Type.Array(Uuid, { maxItems: 500, uniqueItems: true }),
    bundles: Type.Array(Uuid, { maxItems: 50, uniqueItems: true, description: "bundles; their items are exported with them" }),
  },
  { additionalProperties: false },
);

export const PackageSchema = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: 'a signed catalog package (format yiwang.catalog.package)' });

export const ImportBody = Type.Object(
  {
    package: PackageSchema,
    departmentMap: Type.Record(Type.String({ pattern: '^[A-Z0-9_-]{2,32}$' }), Uuid, { description: 'source department code → department id here' }),
    regionMap: Type.Record(Type.String({ pattern: '^[0-9]{6}$' }), RegionCode, { description: 'source region code → region code here' }),
    trustedKeyIds: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, description: 'accept only packages signed by these keys' })),
  },
  { additionalProperties: false },
);
export type ImportInput = Static<typeof ImportBody>;

export const ImportResult = Type.Object({
  dryRun: Type.Boolean(),
  package: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String(), source: Open(), signer: Type.String(), createdAt: Type.String() }),
  items: Type.Array(
    Type.Object({
      ref: Type.String(),
      action: Type.Union([Type.Literal('create'), Type.Literal('update')]),
      id: Type.String(),
      name: Type.String(),
      implementationCode: Type.String(),
      departmentId: Type.String(),
      changes: Type.Array(Type.String()),
      findings: Type.Array(FindingSchema),
    }),
  ),
  bundles: Type.Array(
    Type.Object({
      ref: Type.String(),
      action: Type.Union([Type.Literal('create'), Type.Literal('update')]),
      id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      changes: Type.Array(Type.String()),
      findings: Type.Array(FindingSchema),
    }),
  ),
});
