/**
 * Reviews module (好差评) and the rectification of bad reviews (差评整改).
 *
 * Owns: review_visits, review_invitations, reviews, review_history, rectification_cases,
 * rectification_events, rectification_deadlines, follow_up_calls, review_flags, the sequence
 * rectification_number_seq and the job queues reviews.timer (case deadlines) and reviews.remind
 * (the reminder to review). Notification templates review.* (seeded by its migration).
 *
 * Subscribes to the applications module's `application.state_changed` (to = concluded, root
 * applications only) to invite the applicant. Reads (never writes) the applications row of a
 * reviewed application, department names through OrgService, catalog item names through
 * CatalogService, and staff accounts with roles (recipients of warnings and escalations).
 *
 * Publishes for the oversight module: `reviewStats(db, filter)` and `rectificationLedger(db, f)`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { ApplicationsModule } from '../applications';
import type { CatalogService } from '../catalog';
import { filesByIds, type FileService } from '../files';
import type { JobRunner } from '../jobs';
import type { OrgService } from '../org';
import { reviewRoutes } from './reviews.routes';
import { QUEUE_REMIND, QUEUE_TIMER, ReviewService } from './reviews.service';

export { reviewStats, reviewStatsLive, rectificationLedger, type StatsFilter, type StatsRow, type StatsGroup } from './reviews.stats';
export { ReviewService, LEVELS, INDICATORS, CHANNELS, isBad, QUEUE_TIMER, QUEUE_REMIND } from './reviews.service';
export { rebuildReviewRollup } from './reviews.rollup';
export { seedDemoReviews, seedDemoReviewsAndInquiries } from './reviews.demo';

export interface ReviewsOptions {
  db: Db;
  config: Pick<Config, 'REVIEW_CORRECTION_MINUTES' | 'REVIEW_REMINDER_HOURS' | 'REVIEW_VISIT_LINK_DAYS' | 'REVIEW_INVITE_LINK_DAYS' | 'PUBLIC_URL' | 'REVIEW_BURST_COUNT' | 'REVIEW_BURST_MINUTES' | 'REVIEW_FAST_SECONDS' | 'REVIEW_FAST_COUNT'>;
  org: OrgService;
  jobs: JobRunner;
  applications: ApplicationsModule;
  catalog: CatalogService;
  files: FileService;
  log: FastifyBaseLogger;
}

export class ReviewsModule {
  readonly service: ReviewService;
  constructor(private readonly o: ReviewsOptions) {
    const c = o.config;
    this.service = new ReviewService({
      db: o.db,
      org: o.org,
      // "Now" follows the applications module's clock (tests move it).
      clock: { now: () => o.applications.clock.now() },
      settings: {
        correctionMinutes: c.REVIEW_CORRECTION_MINUTES,
        reminderHours: c.REVIEW_REMINDER_HOURS,
        visitLinkDays: c.REVIEW_VISIT_LINK_DAYS,
        inviteLinkDays: c.REVIEW_INVITE_LINK_DAYS,
        publicUrl: c.PUBLIC_URL,
        burstCount: c.REVIEW_BURST_COUNT,
        burstMinutes: c.REVIEW_BURST_MINUTES,
        fastSeconds: c.REVIEW_FAST_SECONDS,
        fastCount: c.REVIEW_FAST_COUNT,
      },
      itemName: async (itemId) => {
        const it = await o.catalog.getLatestPublished(itemId);
        return it ? { name: it.content.name, departmentId: it.content.departmentId } : undefined;
      },
      filesOwnedBy: async (trx, ids) => (await filesByIds(trx, ids)).map((f) => ({ id: f.id, ownerId: f.ownerId })),
    });
    o.jobs.handle(QUEUE_TIMER, (job) => this.service.onTimer(job));
    o.jobs.handle(QUEUE_REMIND, (job) => this.service.onRemind(job));
    // Only conclusions of what the applicant sees as one application (an item, a bundle; not a bundle's child).
    o.applications.subscribe('application.state_changed', (e) => this.service.onStateChanged(e), (e) => e.to === 'concluded' && (typeof e.rootId !== 'string' || e.rootId === e.applicationId));
    o.files.policy.allowRead((actor, file) => this.service.evidenceReadable(actor, file.id));
  }

  routes() {
    return reviewRoutes(this.service, this.o.files);
  }
}

export function createReviews(o: ReviewsOptions): ReviewsModule {
  return new ReviewsModule(o);
}
