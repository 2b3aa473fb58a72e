/**
 * "A task opened in your department": officers' task lists can wait for work instead of polling.
 *
 * The transaction that opens tasks sends NOTIFY on TASKS_CHANNEL with the department's id
 * (`notifyAtCommit`: PostgreSQL delivers it when the transaction commits, never if it rolls back),
 * every server process listens (one connection each, started with the first waiting request), and
 * a list request that asked to wait (`GET /api/tasks?waitSeconds=…`) and found nothing is answered
 * again as soon as its department gets a task, or when the wait ends. Nothing depends on a
 * notification arriving: a lost one (a reconnection) only means the request waits out its time and
 * reads the table again, which is the truth.
 */
import type { DatabaseHandle } from '../../db/database';

export const TASKS_CHANNEL = 'yiwang_tasks';

export class TaskSignals {
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening: Promise<unknown> | undefined;
  private closed = false;

  constructor(private readonly listen: DatabaseHandle['listen'] | undefined) {}

  private start(): Promise<unknown> {
    this.listening ??= this.listen
      ? this.listen(TASKS_CHANNEL, (department) => this.wake(department), { onReconnect: () => this.wakeAll() })
      : Promise.resolve();
    return this.listening;
  }

  private wake(department: string): void {
    const set = this.waiters.get(department);
    if (!set) return;
    this.waiters.delete(department);
    for (const f of set) f();
  }

  private wakeAll(): void {
    for (const d of [...this.waiters.keys()]) this.wake(d);
  }

  /**
   * Arms a wait for the department before the caller reads its queue (so that a task opened in
   * between is not missed); `done` resolves on the next signal or after `ms`, `cancel` drops it.
   */
  async arm(department: string, ms: number): Promise<{ done: Promise<void>; cancel: () => void }> {
    if (this.closed) return { done: Promise.resolve(), cancel: () => undefined };
    await this.start();
    let fire!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => fire(), ms);
      fire = () => {
        clearTimeout(timer);
        this.waiters.get(department)?.delete(fire);
        resolve();
      };
    });
    const set = this.waiters.get(department) ?? new Set();
    set.add(fire);
    this.waiters.set(department, set);
    return { done, cancel: fire };
  }

  /** Shutting down: every waiting request is answered now (the server drains requests before it exits). */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
