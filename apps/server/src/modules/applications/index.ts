/**
 * Applications module (一网通办 办件) and its approval engine.
 *
 * Owns: applications (items, bundles 一件事 and their children), application_tasks,
 * application_events (the timeline), application_idempotency, application_escalations (督办),
 * the sequence application_number_seq, and the job queues applications.timer (deadline timers),
 * applications.conclude (delivery after a decision) and applications.outbox (events for others).
 * The people a transition concerns are told in its own transaction (the notifications module's
 * `notifyAll`, applications.notify.ts), not through the outbox.
 *
 * Reads the catalog through `CatalogReader` (applications.catalog.ts), departments through
 * OrgService. Publishes:
 * - `ApplicationsModule.subscribe(type, handler)`: outbox events after commit, at least once and
 *   not necessarily in order (each carries `at`; handlers must be idempotent) —
 *   `application.state_changed` (every transition), `task.opened`, `task.deadline_warning`, `task.overdue`,
 *   `application.sla_warning`, `application.overdue`, `application.escalated`,
 *   `application.payment_needed`.
 * - `paymentSettled(ctx, applicationId)`: the seam the payments module calls; `PaymentPort` the
 *   seam it fills (until then fees are treated as waived and the outbox says so).
 * - `useClock(clock)`: "now" is injectable (tests, simulations); the default is the system clock.
 * The state machine is applications.machine.ts; the clock rules applications.clock.ts.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { DatabaseHandle, Db } from '../../db/database';
import { TaskSignals } from './applications.signals';
import type { FieldCrypto } from '../../shared/crypto';
import type { ClaimedJob, JobRunner } from '../jobs';
import type { OrgService } from '../org';
import type { CatalogReader } from './applications.catalog';
import { systemClock, type Clock } from './applications.clock';
import { Departments, Engine, QUEUES, noPayments, type FormCodec, type PaymentPort } from './applications.engine';
import { catalogPayments, handlePaymentEvents } from './applications.payments';
import { applicationRoutes } from './applications.routes';
import type { PaymentsService } from '../payments';
import type { FileService } from '../files';
import type { NotificationService } from '../notifications';
import { deliverNotifications, type Notifier } from './applications.notify';
import { applicantMayRead, departmentMayRead } from './applications.materials';
import { hasRole, subjectOf } from '../../shared/actor';
import { ProcessDefinitions } from './applications.definitions';
import type { MaterialSources } from '../../shared/material-sources';
import { ApplicantService, type PeopleDirectory } from './applications.service';
import { CALENDAR_YEAR_ENTERED_QUEUE, recalendarApplications } from './applications.recalendar';
import { TasksService } from './applications.tasks';

export { catalogReader, type CatalogReader, type CatalogServiceLike } from './applications.catalog';
export { ManualClock, systemClock, type Clock } from './applications.clock';
export { STATES, TRANSITIONS, NOT_ACCEPTED_REASONS, bundleStateOf, transition } from './applications.machine';
export { QUEUES, noPayments, type PaymentPort } from './applications.engine';
export { buildSteps, verdict, type Step } from './applications.process';
export { toBpmn, fromBpmn, type ProcessDef, type ProcessStage } from './applications.bpmn';
export { parseCondition, printCondition, evaluate, type Condition } from './applications.conditions';
export type { MaterialRecord } from './applications.materials';

export interface ApplicationsOptions {
  db: Db;
  config: Pick<Config, 'NODE_REGION' | 'PUBLIC_URL' | 'APPLICATION_WARNING_SHARE'>;
  org: OrgService;
  catalog: CatalogReader;
  crypto: FieldCrypto;
  jobs: JobRunner;
  log: FastifyBaseLogger;
  payment?: PaymentPort;
  /** Unified payment: fees of the catalog become orders; `payment.*` outbox events move applications on. */
  payments?: Pick<PaymentsService, 'createOrder' | 'refundRemaining'>;
  /** Persons by resident ID number (the identity module), for window intake (窗口收件). */
  people?: PeopleDirectory;
  /** The inbox (always) and SMS / e-mail: the applicant is told at acceptance, supplement request, decision and result. */
  notifications?: NotificationService;
  /** Materials storage: uploaded materials cite files; officers of the handling department may read them. */
  files?: FileService;
  /** Where 免提交 materials come from (licences: `elicence`; exchange: `shared_data`). */
  materialSources?: MaterialSources;
  clock?: Clock;
  /** LISTEN on the database (db/database): officers' task lists wait for a task to open. */
  listen?: DatabaseHandle['listen'];
}

export class ApplicationsModule {
  readonly applicant: ApplicantService;
  readonly tasks: TasksService;
  readonly engine: Engine;
  readonly definitions: ProcessDefinitions;
  private readonly clockRef: { current: Clock };
  private readonly defaultPayment: PaymentPort;

  constructor(o: ApplicationsOptions) {
    this.clockRef = { current: o.clock ?? systemClock };
    const share = o.config.APPLICATION_WARNING_SHARE;
    const forms: FormCodec = {
      seal: (form) => ({ enc: o.crypto.encrypt(JSON.stringify(form)) }),
      open: (stored) => {
        const v = (stored ?? {}) as Record<string, unknown>;
        return typeof v.enc === 'string' ? (JSON.parse(o.crypto.decrypt(v.enc)) as Record<string, unknown>) : v;
      },
    };
    const payments = o.payments ? catalogPayments(o.payments) : undefined;
    this.defaultPayment = o.payment ?? payments ?? noPayments;
    this.definitions = new ProcessDefinitions(o.db, o.catalog, o.org);
    const notifications = o.notifications;
    const notifyAll: Notifier | undefined = notifications ? (trx, inputs) => notifications.notifyAll(trx, inputs) : undefined;
    this.engine = new Engine({
      db: o.db,
      forms,
      clock: this.clockRef,
      warningShare: share,
      publicUrl: o.config.PUBLIC_URL,
      departments: new Departments(o.org),
      payment: o.payment ?? payments ?? noPayments,
      log: o.log,
      notify: notifyAll,
    });
    this.applicant = new ApplicantService({ db: o.db, engine: this.engine, catalog: o.catalog, forms, nodeRegion: o.config.NODE_REGION, publicUrl: o.config.PUBLIC_URL, warningShare: share, payments, sources: o.materialSources, people: o.people, definitions: this.definitions, nodeName: o.org.region(o.config.NODE_REGION)?.name ?? '' });
    // Officers of a department handling an application may read the files it cites; so may its
    // applicant (or their agent / enterprise staff), whoever uploaded them (window intake scans).
    o.files?.policy.allowRead(async (actor, file) =>
      actor.kind === 'officer'
        ? !!actor.departmentId && (await departmentMayRead(o.db, actor.departmentId, file.id))
        : hasRole(actor, 'citizen', 'enterprise', 'agent') && (await applicantMayRead(o.db, subjectOf(actor), file.id)),
    );
    this.tasks = new TasksService(o.db, this.engine, this.applicant, o.catalog, share, o.config.PUBLIC_URL, new TaskSignals(o.listen));
    o.jobs.handle(QUEUES.timer, (job) => this.engine.onTimer(job));
    o.jobs.handle(QUEUES.conclude, (job) => this.engine.onConclude(job));
    o.jobs.handle(QUEUES.replyBy, (job) => this.engine.onReplyBy(job));
    // The engine's own progress (conclusions, timers) is not held back by a backlog of notifications.
    o.jobs.prefer(QUEUES.conclude, QUEUES.timer, QUEUES.replyBy);
    // Outbox events: each event's subscribers. A job queued by an older version may still carry
    // notifications to write (once per job, applications.notify.ts); this version writes them with the transition.
    const outbox = async (jobs: ClaimedJob[]) => {
      if (notifyAll) await deliverNotifications(o.db, notifyAll, jobs, (err, e) => o.log.error({ err, event: e.type, template: e.template }, 'application notification not sent: template and params do not fit'));
      for (const job of jobs) await this.engine.dispatch(job);
    };
    o.jobs.handle(QUEUES.outbox, (job) => outbox([job]), outbox);
    if (payments) handlePaymentEvents(o.jobs, this.applicant);
    o.jobs.handle(CALENDAR_YEAR_ENTERED_QUEUE, async (job) => {
      const changed = await recalendarApplications(o.db, this.engine, job);
      o.log.info({ year: (job.payload as { year: number }).year, changed }, 'due dates recounted on the official calendar');
    });
  }

  /** "Now" for every rule of the module (the legal clock, timers, timestamps). */
  useClock(clock: Clock): void {
    this.clockRef.current = clock;
  }

  /** Who is asked when a process reaches its payment step (tests); no argument: the configured one again. */
  usePayments(port?: PaymentPort): void {
    this.engine.usePayments(port ?? this.defaultPayment);
  }

  get clock(): Clock {
    return this.clockRef.current;
  }

  /** `when` picks the events of the type the handler wants (the others are not written for it). */
  subscribe(type: string, handler: (event: Record<string, unknown> & { type: string }) => Promise<void>, when?: (event: Record<string, unknown> & { type: string }) => boolean): void {
    this.engine.subscribe(type, handler, when);
  }

  paymentSettled(...args: Parameters<ApplicantService['paymentSettled']>) {
    return this.applicant.paymentSettled(...args);
  }

  routes() {
    return applicationRoutes(this.applicant, this.tasks, this.definitions);
  }
}

export function createApplications(o: ApplicationsOptions): ApplicationsModule {
  return new ApplicationsModule(o);
}
