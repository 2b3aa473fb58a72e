import { Type } from '@sinclair/typebox';

const Hash = Type.String({ description: 'SHA-256, base64', examples: ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='] });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const SthSchema = Type.Object(
  {
    treeSize: Type.Integer(),
    rootHash: Hash,
    timestamp: Type.Integer({ description: 'milliseconds since the epoch' }),
    signature: Type.String({ description: 'Ed25519 over the RFC 6962 TreeHeadSignature bytes, base64' }),
    keyId: Type.String({ description: 'base64 SHA-256 of the public key (SPKI DER)' }),
  },
  { description: 'Signed tree head (签名树头)' },
);

export const PublicKeySchema = Type.Object({
  keyId: Type.String(),
  algorithm: Type.Literal('Ed25519'),
  publicKeyPem: Type.String(),
  jwk: Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() }),
});

export const EntrySchema = Type.Object({
  index: Type.Integer(),
  leafHash: Hash,
  entry: Type.String({ description: 'the exact canonical JSON whose leaf hash is SHA-256(0x00 || UTF-8 bytes)' }),
});

export const IndexParams = Type.Object({ index: Size });

export const EntriesQuery = Type.Object(
  { start: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);

export const InclusionQuery = Type.Object(
  {
    leafIndex: Type.Optional(Size),
    leafHash: Type.Optional(Type.String({ minLength: 40, maxLength: 64, description: 'base64, base64url or hex' })),
    treeSize: Type.Optional(Size),
  },
  { additionalProperties: false },
);

export const InclusionSchema = Type.Object({
  leafIndex: Type.Integer(),
  treeSize: Type.Integer(),
  leafHash: Hash,
  auditPath: Type.Array(Hash, { description: 'RFC 6962 audit path, leaf side first' }),
});

export const ConsistencyQuery = Type.Object({ first: Size, second: Type.Optional(Size) }, { additionalProperties: false });

export const ConsistencySchema = Type.Object({ first: Type.Integer(), second: Type.Integer(), consistency: Type.Array(Hash) });
