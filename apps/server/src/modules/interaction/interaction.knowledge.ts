/**
 * Knowledge base (知识库): answered consultations, curated by the officers of the department that
 * answered them, become public Q&A, optionally linked to a catalog item. Suggestions while a
 * question is typed match character bigrams (Chinese has no spaces), in memory over the published
 * entries (a knowledge base is thousands of entries, not millions). The cache is dropped on a write
 * in this process at once, in the others (SERVER_PROCESSES, several nodes on one database) when the
 * write's NOTIFY arrives (`follow`), and is never older than KNOWLEDGE_CACHE_MS whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DatabaseHandle, Db } from '../../db/database';
import { notifyAtCommit } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';
import type { RequestContext } from '../../shared/actor';
import type { OrgService } from '../org';
import { inquiryErrors as E } from './interaction.errors';

/** Lower-case letters, digits and CJK characters; everything else separates. */
export function normalize(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(/[^0-9a-z\u3400-\u9fff]+/g, ' ').trim();
}

/** Character bigrams of each run (a single-character run counts as itself). */
export function bigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of normalize(text).split(' ')) {
    if (!run) continue;
    if (run.length === 1) out.add(run);
    for (let i = 0; i + 1 < run.length; i++) out.add(run.slice(i, i + 2));
  }
  return out;
}

interface Cached {
  id: string;
  question: string;
  answer: string;
  itemId: string | null;
  itemName: string | null;
  department: string | null;
  grams: Set<string>;
  qgrams: Set<string>;
  updatedAt: string;
}

/** NOTIFY channel of knowledge base writes, sent at commit (one payload: a transaction's writes make one message). */
export const KNOWLEDGE_CHANGES = 'yiwang_knowledge';
/** The longest a process serves its copy without re-reading (should a NOTIFY be missed). */
const KNOWLEDGE_CACHE_MS = 60_000;

export class KnowledgeBase {
  private cache: Cached[] | null = null;
  private cachedAt = 0;
  /** Bumped whenever the copy is dropped: a read that started before keeps its rows to itself. */
  private generation = 0;

  constructor(
    private readonly o: { db: Db; org: OrgService; clock: { now(): Date }; itemName: (id: string) => Promise<string | undefined> },
  ) {}

  /**
   * Follows other processes' writes: their NOTIFY (sent at commit) drops this process's copy; so
   * does a reconnection of the LISTEN connection (messages may have been missed meanwhile).
   */
  async follow(listen: DatabaseHandle['listen']): Promise<void> {
    await listen(KNOWLEDGE_CHANGES, () => this.forget(), { onReconnect: () => this.forget() });
  }

  private forget(): void {
    this.cache = null;
    this.generation++;
  }

  private async entries(): Promise<Cached[]> {
    if (this.cache && Date.now() - this.cachedAt < KNOWLEDGE_CACHE_MS) return this.cache;
    const readAt = Date.now();
    const generation = this.generation;
    const rows = await this.o.db.selectFrom('knowledge_entries').selectAll().where('published', '=', true).orderBy('created_at', 'desc').execute();
    const names = new Map<string, string>();
    const entries = await Promise.all(
      rows.map(async (r) => {
        if (!names.has(r.department_id)) names.set(r.department_id, (await this.o.org.department(r.department_id))?.name ?? '');
        return {
          id: r.id,
          question: r.question,
          answer: r.answer,
          itemId: r.item_id,
          itemName: r.item_name,
          department: names.get(r.department_id) ?? null,
          grams: bigrams(`${r.question} ${r.item_name ?? ''} ${r.answer}`),
          qgrams: bigrams(`${r.question} ${r.item_name ?? ''}`),
          updatedAt: r.updated_at.toISOString(),
        };
      }),
    );
    if (generation === this.generation) {
      this.cache = entries;
      this.cachedAt = readAt;
    }
    return entries;
  }

  /** Published entries matching the words typed so far (question weighs double), best first. */
  async search(q: { q?: string; itemId?: string; limit?: number }) {
    const all = await this.entries();
    const pool = q.itemId ? all.filter((e) => e.itemId === q.itemId) : all;
    const limit = q.limit ?? 20;
    const present = (e: Cached, score?: number) => ({ id: e.id, question: e.question, answer: e.answer, itemId: e.itemId, itemName: e.itemName, department: e.department, updatedAt: e.updatedAt, ...(score !== undefined ? { score: Math.round(score * 1000) / 1000 } : {}) });
    if (!q.q?.trim()) return pool.slice(0, limit).map((e) => present(e));
    const want = bigrams(q.q);
    if (!want.size) return [];
    const scored = pool
      .map((e) => {
        let s = 0;
        for (const g of want) s += e.qgrams.has(g) ? 2 : e.grams.has(g) ? 1 : 0;
        return { e, s: s / (2 * want.size) };
      })
      .filter((x) => x.s >= 0.3)
      .sort((a, b) => b.s - a.s);
    return scored.slice(0, limit).map((x) => present(x.e, x.s));
  }

  async get(id: string) {
    const e = (await this.entries()).find((x) => x.id === id);
    if (!e) throw E.knowledgeNotFound();
    await this.o.db.updateTable('knowledge_entries').set({ views: sql`views + 1` }).where('id', '=', id).execute();
    return { id: e.id, question: e.question, answer: e.answer, itemId: e.itemId, itemName: e.itemName, department: e.department, updatedAt: e.updatedAt };
  }

  /** An officer curates an answered consultation of their department into a public entry. */
  async curate(ctx: RequestContext, body: { inquiryId: string; question: string; answer: string; itemId?: string }) {
    const actor = ctx.actor!;
    if (!actor.departmentId) throw E.noDepartment();
    let itemName: string | null = null;
    if (body.itemId) {
      itemName = (await this.o.itemName(body.itemId)) ?? null;
      if (!itemName) throw E.itemNotFound();
    }
    const id = randomUUID();
    await this.o.db.transaction().execute(async (trx) => {
      const i = await trx.selectFrom('inquiries').select(['kind', 'state', 'department_id', 'region_code']).where('id', '=', body.inquiryId).executeTakeFirst();
      if (!i || i.kind !== 'consultation' || !['replied', 'closed'].includes(i.state) || i.department_id !== actor.departmentId) throw E.knowledgeSource();
      const now = this.o.clock.now();
      await trx
        .insertInto('knowledge_entries')
        .values({ id, inquiry_id: body.inquiryId, question: body.question, answer: body.answer, item_id: body.itemId ?? null, item_name: itemName, department_id: actor.departmentId!, region_code: i.region_code, curated_by: actor.accountId, created_at: now, updated_at: now })
        .execute();
      await recordAudit(trx, ctx, { action: 'knowledge.curate', entityType: 'knowledge_entry', entityId: id, detail: { inquiryId: body.inquiryId, itemId: body.itemId ?? null } });
      await notifyAtCommit(trx, KNOWLEDGE_CHANGES, 'changed');
    });
    this.forget();
    return { id, question: body.question, answer: body.answer, itemId: body.itemId ?? null, itemName, published: true };
  }

  /** Edit or withdraw (published = false) an entry of one's department. */
  async update(ctx: RequestContext, id: string, body: { question: string; answer: string; published: boolean }) {
    const actor = ctx.actor!;
    await this.o.db.transaction().execute(async (trx) => {
      const e = await trx.selectFrom('knowledge_entries').select(['department_id']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!e || e.department_id !== actor.departmentId) throw E.knowledgeNotFound();
      await trx.updateTable('knowledge_entries').set({ question: body.question, answer: body.answer, published: body.published, updated_at: this.o.clock.now() }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'knowledge.update', entityType: 'knowledge_entry', entityId: id, detail: { published: body.published } });
      await notifyAtCommit(trx, KNOWLEDGE_CHANGES, 'changed');
    });
    this.forget();
    return { id, ...body };
  }

  /** Seed helper (demo): an entry without a source inquiry. */
  async insertRaw(trx: Db, e: { question: string; answer: string; itemId: string | null; itemName: string | null; departmentId: string; regionCode: string; curatedBy: string }) {
    const now = this.o.clock.now();
    await trx.insertInto('knowledge_entries').values({ id: randomUUID(), inquiry_id: null, question: e.question, answer: e.answer, item_id: e.itemId, item_name: e.itemName, department_id: e.departmentId, region_code: e.regionCode, curated_by: e.curatedBy, created_at: now, updated_at: now }).execute();
    await notifyAtCommit(trx, KNOWLEDGE_CHANGES, 'changed');
    this.forget();
  }
}
