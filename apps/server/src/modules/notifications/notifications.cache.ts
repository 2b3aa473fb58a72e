/**
 * Notification templates kept per process, so that a module telling people inside its own
 * transaction (the applications engine: every transition) does not read them in a round trip of
 * that transaction. Templates change rarely (an administrator's edit, `updateTemplate`):
 *
 * - the edit's transaction sends a NOTIFY on `TEMPLATES_CHANNEL`; every process LISTENs on it and
 *   drops what it kept (its own process also drops it right after the commit);
 * - a LISTEN connection that was down may have missed notices: it drops everything when it is back;
 * - whatever happens to notices, nothing is kept longer than `maxAgeMs`.
 *
 * A read that raced with an edit is not kept (the generation moved while it ran), so a stale row
 * cannot outlive the notice that should have dropped it. Every notification records the
 * `template_version` it was written with, so which text was used stays visible. Unknown codes
 * are not kept (read again each time: that is the data error path, not the hot one).
 */
import type { Selectable } from 'kysely';
import type { Db, DatabaseHandle } from '../../db/database';
import { deferringRoot } from '../../db/deferred';
import type { NotificationTemplatesTable } from '../../db/types';
import { templatesRepo } from './notifications.repository';

/** NOTIFY channel of template edits (payload: the template's code). */
export const TEMPLATES_CHANNEL = 'notification_templates';

/** Templates read once for several `notify` calls of one transaction (code → row; absent: unknown). */
export type TemplatesRead = Map<string, Selectable<NotificationTemplatesTable> | undefined>;

/** The cache of each database's notification service (a process may hold several: tests, two apps on one database). */
const byDatabase = new WeakMap<object, TemplateCache>();

/**
 * The templates kept for the database of `trx`, when it is a deferring transaction (db/deferred.ts
 * `transact`) on a database whose notification service keeps them; otherwise undefined (read them).
 */
export function templateCacheOf(trx: Db): TemplateCache | undefined {
  const root = deferringRoot(trx);
  return root && byDatabase.get(root);
}

export class TemplateCache {
  private rows = new Map<string, Selectable<NotificationTemplatesTable>>();
  private generation = 0;
  private since = 0;

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The templates of `codes`: those kept, and the others read in `trx` (one round trip, none when
   * all are kept). `trx` is the caller's transaction (PGlite has one connection).
   */
  async read(trx: Db, codes: string[]): Promise<TemplatesRead> {
    const now = this.clock();
    if (now - this.since > this.maxAgeMs) this.drop();
    const out: TemplatesRead = new Map();
    let missing: string[] | undefined;
    for (const c of codes) {
      const t = this.rows.get(c);
      if (t) out.set(c, t);
      else if (!out.has(c)) {
        out.set(c, undefined);
        (missing ??= []).push(c);
      }
    }
    if (!missing) return out;
    const generation = this.generation;
    const rows = await templatesRepo.byCodes(trx, missing);
    const keep = generation === this.generation;
    if (keep && !this.rows.size) this.since = now;
    for (const r of rows) {
      out.set(r.code, r);
      if (keep) this.rows.set(r.code, r);
    }
    return out;
  }

  /** Forgets every template kept (an edit here or elsewhere, a LISTEN connection back after a gap). */
  drop(): void {
    this.generation++;
    this.rows.clear();
    this.since = this.clock();
  }

  /** Serves `notify` in deferring transactions on `db` (templateCacheOf). */
  serve(db: Db): this {
    byDatabase.set(db, this);
    return this;
  }

  /** Follows other processes' edits (NOTIFY), and drops everything when the LISTEN connection comes back. */
  async follow(listen: DatabaseHandle['listen']): Promise<void> {
    await listen(TEMPLATES_CHANNEL, () => this.drop(), { onReconnect: () => this.drop() });
  }
}
