/**
 * Interaction module (互动交流, 12345 接诉即办): inquiries (consultations, complaints, suggestions,
 * requests for help, reports — anonymous reports with a tracking code), dispatch by rule, returns,
 * deadlines by urgency in working time, escalation, reply, confirmation and rating; the knowledge
 * base; Open311 GeoReport v2.
 *
 * Owns: inquiries, inquiry_events, inquiry_dispatch_rules, inquiry_deadlines, region_bounds,
 * knowledge_entries, open311_keys, the sequence inquiry_number_seq, the job queue
 * interaction.timer and the notification templates inquiry.* (seeded by its migration).
 * Reads departments through OrgService, item names through CatalogService, contacts through
 * identity's `contactOf`, attachments' owners through the files module's `filesByIds`.
 *
 * Publishes for the oversight module: `inquiryRates(db, filter)`.
 */
import type { DatabaseHandle, Db } from '../../db/database';
import type { FieldCrypto } from '../../shared/crypto';
import type { ApplicationsModule } from '../applications';
import type { CatalogService } from '../catalog';
import { filesByIds, type FileService } from '../files';
import type { JobRunner } from '../jobs';
import type { OrgService } from '../org';
import { KnowledgeBase } from './interaction.knowledge';
import { open311Routes } from './interaction.open311';
import { interactionRoutes } from './interaction.routes';
import { InteractionService, QUEUE_TIMER } from './interaction.service';

export { inquiryRates, type RatesFilter } from './interaction.rates';
export { InteractionService, QUEUE_TIMER as INTERACTION_TIMER_QUEUE, newTrackingCode } from './interaction.service';
export { KnowledgeBase, bigrams } from './interaction.knowledge';
export { CATEGORIES, KINDS } from './interaction.categories';
export { addWorkingHours } from './interaction.worktime';
export { open311KeyHash } from './interaction.open311';
export { seedDemoInteraction, DEMO_OPEN311_KEY } from './interaction.demo';

export interface InteractionOptions {
  db: Db;
  org: OrgService;
  crypto: FieldCrypto;
  jobs: JobRunner;
  applications: ApplicationsModule;
  catalog: CatalogService;
  files: FileService;
  contacts: { contactOf(accountId: string): Promise<{ displayName: string; mobile: string | null } | undefined> };
  /** The database's LISTEN (other processes' knowledge base writes); absent: this process's own only. */
  listen?: DatabaseHandle['listen'];
}

export class InteractionModule {
  readonly service: InteractionService;
  readonly knowledge: KnowledgeBase;
  constructor(private readonly o: InteractionOptions) {
    const clock = { now: () => o.applications.clock.now() };
    const itemName = async (id: string) => (await o.catalog.getLatestPublished(id))?.content.name;
    this.service = new InteractionService({
      db: o.db,
      org: o.org,
      crypto: o.crypto,
      clock,
      contactOf: (id) => o.contacts.contactOf(id),
      itemName,
      filesOwnedBy: async (trx, ids) => (await filesByIds(trx, ids)).map((f) => ({ id: f.id, ownerId: f.ownerId, mediaType: f.mediaType, size: f.size })),
    });
    this.knowledge = new KnowledgeBase({ db: o.db, org: o.org, clock, itemName });
    if (o.listen) void this.knowledge.follow(o.listen);
    o.jobs.handle(QUEUE_TIMER, (job) => this.service.onTimer(job));
    // Officers of the handling department read an inquiry's attachments.
    o.files.policy.allowRead(async (actor, file) => {
      if (!actor.departmentId) return false;
      const r = await o.db.selectFrom('inquiries').select('id').where('department_id', '=', actor.departmentId).where('attachments', '@>', JSON.stringify([file.id]) as never).executeTakeFirst();
      return !!r;
    });
  }

  routes() {
    const svc = this.service;
    const kb = this.knowledge;
    const db = this.o.db;
    return async function interaction(app: import('fastify').FastifyInstance) {
      await app.register(interactionRoutes(svc, kb));
      await app.register(open311Routes(svc, db));
    };
  }
}

export function createInteraction(o: InteractionOptions): InteractionModule {
  return new InteractionModule(o);
}
