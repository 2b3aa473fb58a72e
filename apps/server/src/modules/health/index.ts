/** Liveness (/healthz: the process answers) and readiness (/readyz: database reachable, migrations applied). */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { pendingMigrations } from '../../db/migrate';

export function healthRoutes(db: Db) {
  return async function routes(app: FastifyInstance) {
    app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' }, config: { access: 'public' } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: database reachable and migrations applied' }, config: { access: 'public' } }, async (_req, reply) => {
      try {
        await sql`select 1`.execute(db);
        const pending = await pendingMigrations(db);
        if (pending.length) return reply.code(503).send({ status: 'migrating', pending });
        return { status: 'ready' };
      } catch (err) {
        return reply.code(503).send({ status: 'unavailable', error: (err as Error).message });
      }
    });
  };
}
