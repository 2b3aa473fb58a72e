import { Type } from '@sinclair/typebox';
import { ROLES } from '../../shared/actor';

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const IdNumber = Type.String({ pattern: '^[0-9]{17}[0-9Xx]$', description: '居民身份证号码 (GB 11643)', examples: ['350102199003070015'] });

export const MeSchema = Type.Object({
  account: Type.Object({
    id: Type.String(),
    kind: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(Type.String()),
    department: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), nameEn: Type.String() }), Type.Null()]),
    regionCode: Nullable(Type.String()),
    totpEnabled: Type.Boolean(),
    idNumberMasked: Nullable(Type.String()),
  }),
  actingAs: Type.Union([Type.Object({ id: Type.String(), displayName: Type.String(), role: Type.String() }), Type.Null()]),
  actingFor: Type.Union([Type.Object({ id: Type.String(), displayName: Type.String(), mandateId: Type.String() }), Type.Null()]),
  csrfToken: Nullable(Type.String()),
  options: Type.Object({
    enterprises: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String(), role: Type.String() })),
    principals: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String(), mandateId: Type.String() })),
  }),
});

export const StaffLoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  },
  { additionalProperties: false },
);

export const OidcLoginQuery = Type.Object(
  {
    type: Type.Union([Type.Literal('person'), Type.Literal('enterprise')], { default: 'person' }),
    returnTo: Type.String({ default: '/portal', pattern: '^/(?!/)[^\\s]*$', maxLength: 512 }),
  },
  { additionalProperties: false },
);

export const OidcCallbackQuery = Type.Object(
  { code: Type.String({ maxLength: 512 }), state: Type.String({ maxLength: 256 }) },
  { additionalProperties: true }, // providers may add session_state, iss …
);

export const ActBody = Type.Object(
  {
    as: Type.Union([Type.Literal('self'), Type.Literal('enterprise'), Type.Literal('principal')]),
    id: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);

export const TotpSetupResponse = Type.Object({ secret: Type.String(), otpauthUri: Type.String() });
export const TotpEnableBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false });

export const MandateSchema = Type.Object({
  id: Type.String(),
  agent: Type.Object({ id: Type.String(), displayName: Type.String() }),
  principal: Type.Object({ id: Type.String(), displayName: Type.String() }),
  scope: Type.Array(Type.String()),
  reason: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.String(),
  revokedAt: Nullable(Type.String()),
});
export const CreateMandateBody = Type.Object(
  {
    agentIdNumber: IdNumber,
    agentName: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "the agent's name as on their ID card; checked against the ID number's account when given" })),
    scope: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100, description: "item codes, or ['*'] for all services" }),
    reason: Type.String({ minLength: 2, maxLength: 500 }),
    validUntil: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const EnterpriseStaffSchema = Type.Object({
  personId: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  validUntil: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});
export const AddEnterpriseStaffBody = Type.Object(
  { idNumber: IdNumber, validUntil: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);

export const StaffSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  departmentId: Nullable(Type.String()),
  departmentName: Nullable(Type.String()),
  regionCode: Nullable(Type.String()),
  status: Type.String(),
  totpEnabled: Type.Boolean(),
  lastLoginAt: Nullable(Type.String()),
  lockedUntil: Nullable(Type.String({ description: 'set while sign-in is locked after failed attempts' })),
});
export const CreateStaffBody = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z][a-z0-9._-]{2,63}$' }),
    displayName: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    kind: Type.Union([Type.Literal('officer'), Type.Literal('data_admin'), Type.Literal('supervisor'), Type.Literal('platform_admin')]),
    roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 4, uniqueItems: true }),
    departmentId: Type.Optional(Type.String({ format: 'uuid' })),
    regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  },
  { additionalProperties: false },
);
export const UpdateStaffBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    roles: Type.Optional(Type.Array(RoleSchema, { minItems: 1, maxItems: 4, uniqueItems: true })),
    unlock: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String({ minLength: 2, maxLength: 500, description: 'why (recorded in the audit log); required to disable an account or change its roles' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ClientSchema = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  name: Type.String(),
  departmentId: Type.String(),
  departmentName: Type.String(),
  scopes: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Type.String(),
});
export const CreateClientBody = Type.Object(
  {
    clientId: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{2,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    departmentId: Type.String({ format: 'uuid' }),
    scopes: Type.Array(Type.String({ pattern: '^[a-z0-9:._-]{1,64}$' }), { maxItems: 50, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export const TokenBody = Type.Object(
  {
    grant_type: Type.Literal('client_credentials'),
    client_id: Type.String({ minLength: 1, maxLength: 64 }),
    client_secret: Type.String({ minLength: 1, maxLength: 256 }),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export const TokenResponse = Type.Object({ access_token: Type.String(), token_type: Type.String(), expires_in: Type.Integer(), scope: Type.String() });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
