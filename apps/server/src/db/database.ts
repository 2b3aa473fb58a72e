/**
 * Opens the system of record: PostgreSQL when DATABASE_URL is a postgres:// URL, otherwise the
 * embedded PGlite database (under DATA_DIR/pgdata, or in memory for `memory://`; `memory://?from=<file>`
 * starts the in-memory database from a PGlite data-dir dump, which the tests use for a migrated,
 * seeded snapshot). One SQL dialect for both; the same migrations run on both.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, SelectQueryNode, ValueNode, type Dialect, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './types';
import { PGliteDialect } from './pglite-dialect';
import { PipelinedPostgresDialect, pipelined } from './pg-driver';

export type DbKind = 'postgres' | 'pglite';
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: DbKind;
  /**
   * LISTEN on a channel: `onMessage` gets each NOTIFY payload (sent at the notifier's commit), from
   * any process on the database. PostgreSQL: a dedicated connection outside the pool, reconnected
   * with backoff when lost, `onReconnect` called after each reconnection (notifications sent while
   * it was down are lost: re-read the state then). PGlite: in-process. Resolves once listening (or
   * once the first attempt failed, with `onError`: it keeps retrying); returns the unlisten function.
   */
  listen(channel: string, onMessage: (payload: string) => void, opts?: ListenOptions): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ListenOptions {
  onReconnect?: () => void;
  onError?: (err: unknown) => void;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** A LISTEN connection of its own (a pooled one would be handed to queries and lose it). */
function pgListener(url: string, channel: string, onMessage: (payload: string) => void, opts: ListenOptions): { ready: Promise<void>; stop: () => Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 500;
  let connectedOnce = false;
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, 30_000);
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: `yiwang-listen-${channel}-${process.pid}` });
    c.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    c.on('error', (err) => {
      if (!stopped) opts.onError?.(err);
    });
    c.on('end', () => {
      if (client === c) client = null;
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      opts.onError?.(err);
      await c.end().catch(() => undefined);
      return;
    }
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    delay = 500;
    if (connectedOnce) opts.onReconnect?.();
    connectedOnce = true;
  };
  return {
    ready: connect(),
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

// OIDs of the types whose default parsing differs between node-postgres and PGlite, or loses
// information: bigint as a JS number (counts and ids here stay far below 2^53), numeric as a
// number, and DATE as the plain 'YYYY-MM-DD' string (a Date would shift it by the time zone).
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parsers = {
  [INT8]: (v: string) => Number(v),
  [NUMERIC]: (v: string) => Number(v),
  [DATE]: (v: string) => v,
};

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * Leaves `OFFSET 0` out of a query (the first page of a list: `.limit(n).offset(0)`). PostgreSQL
 * prices a generic plan's `OFFSET $n` as if it skipped rows, so a prepared list query with the
 * offset as a parameter kept being planned afresh on every call (a custom plan looks half as dear);
 * without it the cached generic plan serves the first page, the page asked for most.
 */
const firstPageWithoutOffset: KyselyPlugin = {
  transformQuery: ({ node }) =>
    SelectQueryNode.is(node) && node.offset && ValueNode.is(node.offset.offset) && node.offset.offset.value === 0 ? Object.freeze({ ...node, offset: undefined }) : node,
  transformResult: async ({ result }) => result,
};

export async function openDatabase(opts: { url?: string; dataDir: string; poolSize?: number; preparedStatements?: number }): Promise<DatabaseHandle> {
  let dialect: Dialect;
  let kind: DbKind;
  let listen: DatabaseHandle['listen'];
  const stops = new Set<() => Promise<void>>();
  const track = (stop: () => Promise<void>) => {
    const once = async () => {
      if (stops.delete(once)) await stop();
    };
    stops.add(once);
    return once;
  };
  const memory = opts.url?.startsWith('memory://') ? new URL(opts.url) : null;
  if (isPostgresUrl(opts.url)) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      types: { getTypeParser: ((oid: number, format?: string) =>
        (parsers as Record<number, (v: string) => unknown>)[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
    });
    dialect = new PipelinedPostgresDialect(pool, opts.preparedStatements);
    kind = 'postgres';
    const url = opts.url;
    listen = async (channel, onMessage, o = {}) => {
      if (!CHANNEL.test(channel)) throw new RangeError(`not a channel name: ${channel}`);
      const l = pgListener(url, channel, onMessage, o);
      await l.ready;
      return track(l.stop);
    };
  } else {
    let dataDir: string | undefined;
    let loadDataDir: Blob | undefined;
    if (memory) {
      const from = memory.searchParams.get('from');
      if (from) loadDataDir = new Blob([readFileSync(from)]);
    } else {
      dataDir = join(opts.dataDir, 'pgdata');
      mkdirSync(dataDir, { recursive: true });
    }
    const pglite = await PGlite.create({ dataDir, loadDataDir, parsers });
    dialect = new PGliteDialect(pglite);
    kind = 'pglite';
    // LISTEN through the dialect's queue: PGlite's one connection may be inside someone's transaction.
    listen = async (channel, onMessage) => {
      if (!CHANNEL.test(channel)) throw new RangeError(`not a channel name: ${channel}`);
      const unlisten = await db.connection().execute(() => pglite.listen(channel, onMessage));
      return track(() => db.connection().execute(() => unlisten()));
    };
  }
  const db = new Kysely<Database>({ dialect, plugins: [firstPageWithoutOffset] });
  if (kind === 'postgres') pipelined(db);
  return {
    db,
    kind,
    listen,
    close: async () => {
      for (const stop of [...stops]) await stop().catch(() => undefined);
      await db.destroy();
    },
  };
}
