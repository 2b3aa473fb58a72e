import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { transparencyErrors } from './transparency.errors';
import type { TransparencyLog } from './transparency.service';
import * as S from './transparency.schemas';

function parseLeafHash(text: string): Buffer {
  const raw = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64'); // Node's base64 also reads base64url
  if (raw.length !== 32) throw transparencyErrors.badLeafHash();
  return raw;
}

/** The log's public read API. Anyone may read it: that is the point of a transparency log. */
export function transparencyRoutes(log: TransparencyLog) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['transparency'];
    const cfg = { access: 'public' as const };

    r.get('/transparency/sth', { schema: { tags, summary: 'Latest signed tree head (最新签名树头)', response: { 200: S.SthSchema } }, config: cfg }, async () => log.latestSth());

    r.get('/transparency/public-key', { schema: { tags, summary: "The log's Ed25519 public key", response: { 200: S.PublicKeySchema } }, config: cfg }, async () =>
      log.publicKey(),
    );

    r.get('/transparency/entries/:index', { schema: { tags, summary: 'An entry by leaf index', params: S.IndexParams, response: { 200: S.EntrySchema } }, config: cfg }, async (req) =>
      log.entry(req.params.index),
    );

    r.get(
      '/transparency/entries',
      { schema: { tags, summary: 'Consecutive entries from a leaf index (for auditors and the verifier)', querystring: S.EntriesQuery, response: { 200: Type.Array(S.EntrySchema) } }, config: cfg },
      async (req) => log.entries(req.query.start, req.query.limit),
    );

    r.get(
      '/transparency/proofs/inclusion',
      {
        schema: { tags, summary: 'Inclusion proof by leaf index or leaf hash, for a tree size (default: latest)', querystring: S.InclusionQuery, response: { 200: S.InclusionSchema } },
        config: cfg,
      },
      async (req) =>
        log.inclusionProof({
          leafIndex: req.query.leafIndex,
          leafHash: req.query.leafHash === undefined ? undefined : parseLeafHash(req.query.leafHash),
          treeSize: req.query.treeSize,
        }),
    );

    r.get(
      '/transparency/proofs/consistency',
      { schema: { tags, summary: 'Consistency proof between two tree sizes (second default: latest)', querystring: S.ConsistencyQuery, response: { 200: S.ConsistencySchema } }, config: cfg },
      async (req) => log.consistencyProof(req.query.first, req.query.second),
    );
  };
}
