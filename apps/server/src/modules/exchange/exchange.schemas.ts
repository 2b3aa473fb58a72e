import { Type } from '@sinclair/typebox';

const Kind = Type.Union([Type.Literal('query'), Type.Literal('verify')]);
const Obj = Type.Object({}, { additionalProperties: true });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const Page = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
};

export const RequestBody = Type.Object(
  {
    resource: Type.String({ minLength: 2, maxLength: 100, description: 'resource code or id' }),
    clientId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { description: 'one of your department’s systems; none: the department’s own platform use' })),
    kinds: Type.Array(Kind, { minItems: 1, maxItems: 2, description: 'query (returns fields) and/or verify (核验: match / no match)' }),
    fields: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100 }),
    purpose: Type.String({ minLength: 4, maxLength: 300, description: '用途' }),
    legalBasis: Type.String({ minLength: 0, maxLength: 500, description: '法律依据' }),
    validFrom: Type.Optional(Type.String({ format: 'date-time' })),
    validUntil: Type.String({ format: 'date-time' }),
    quotaPerDay: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    ratePerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const DecideBody = Type.Object(
  {
    approve: Type.Boolean(),
    reason: Type.String({ minLength: 2, maxLength: 500 }),
    fields: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100, description: 'narrow the fields granted' })),
    validUntil: Type.Optional(Type.String({ format: 'date-time', description: 'shorten the period' })),
    quotaPerDay: Type.Optional(Type.Integer({ minimum: 1, description: 'lower the quota' })),
  },
  { additionalProperties: false },
);

export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false });

// Calls: purpose and subject are checked by the service (so that their absence is refused with a receipt and logged).
export const QueryBody = Type.Object(
  {
    resource: Type.String({ minLength: 1, maxLength: 100 }),
    subject: Type.Optional(Type.String({ maxLength: 64, description: 'ID number or credit code of whom the call is about' })),
    fields: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 100, description: 'default: every granted field' })),
    purpose: Type.Optional(Type.String({ maxLength: 300, description: '用途 (required)' })),
    reference: Type.Optional(Type.String({ maxLength: 100, description: 'case or application number' })),
  },
  { additionalProperties: false },
);
export const VerifyBody = Type.Object(
  {
    resource: Type.String({ minLength: 1, maxLength: 100 }),
    subject: Type.Optional(Type.String({ maxLength: 64 })),
    claims: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]), { description: 'fields and the values to check, e.g. {"name":"张伟"}' })),
    purpose: Type.Optional(Type.String({ maxLength: 300 })),
    reference: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    grant_type: Type.String({ maxLength: 100 }),
    client_assertion_type: Type.Optional(Type.String({ maxLength: 200 })),
    client_assertion: Type.Optional(Type.String({ maxLength: 8000 })),
    client_id: Type.Optional(Type.String({ maxLength: 100 })),
    scope: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const KeyBody = Type.Object(
  { jwk: Type.Record(Type.String({ maxLength: 10 }), Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const SubscribeBody = Type.Object(
  { resource: Type.String({ minLength: 2, maxLength: 100 }), regionCode: Type.String({ pattern: '^\\d{6}$' }) },
  { additionalProperties: false },
);

export const FlagBody = Type.Object({ reason: Type.String({ minLength: 4, maxLength: 1000 }) }, { additionalProperties: false });
export const ResolveBody = Type.Object(
  {
    finding: Type.Union([Type.Literal('misuse_confirmed'), Type.Literal('no_misuse')]),
    resolution: Type.String({ minLength: 4, maxLength: 1000 }),
    revokeGrant: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AnyObject = Obj;
