import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Cron } from 'croner';
import type { Kysely, Transaction } from 'kysely';
import type { Database, JobRow } from '../db/schema.js';
import type { MailJobPayload } from '../mail/outbox.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import {
  claimJobs,
  completeJob,
  countPendingJobs,
  extendLease,
  failAbandonedJobs,
  insertJob,
  insertJobs,
  type NewJob,
  recordJobFailure,
  releaseJob,
  rescheduleQueuedJob,
} from './repository.js';

/**
 * Payload types by job kind. A feature adds its kinds by declaration merging:
 * `declare module '…/jobs/queue.js' { interface JobPayloads { 'reminder.send': { requestId: number } } }`.
 */
export interface JobPayloads {
  /** One message through the Mailer port, sealed under the portal secret; see server/mail/outbox.ts. */
  'mail.send': MailJobPayload;
  /** Purges expired rows; see server/jobs/housekeeping.ts. */
  housekeeping: Record<string, never>;
}

export type JobKind = keyof JobPayloads;

export interface JobContext {
  id: number;
  kind: string;
  /** 1 on the first try; more than 1 when an earlier attempt failed or its process died. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<K extends JobKind> = (payload: JobPayloads[K], context: JobContext) => Promise<void>;

export interface JobSpec<K extends JobKind> {
  kind: K;
  payload: JobPayloads[K];
  /** The caller's clock reading (created_at, and run_at when runAt is not given). */
  now: number;
  /** Not before this time (epoch ms); default now. */
  runAt?: number;
  maxAttempts?: number;
  /** Set for recurring slots and deduplicated jobs: a second job with the same key is not added. */
  uniqueKey?: string;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Adds a job. Call it with the transaction of the change that causes the job (a transactional
 * outbox): if that transaction rolls back, the job was never there; once it commits, the job
 * runs. Returns the job id, or null when `uniqueKey` was already taken.
 */
export function enqueue<K extends JobKind>(db: Kysely<Database> | Transaction<Database>, job: JobSpec<K>): Promise<number | null> {
  return insertJob(db, newJob(job));
}

/**
 * Adds several jobs in one statement (a write that causes several pays for one), on the same
 * terms as enqueue; a job whose `uniqueKey` is taken is left out. Returns no ids.
 */
export function enqueueAll(db: Kysely<Database> | Transaction<Database>, jobs: readonly JobSpec<JobKind>[]): Promise<void> {
  return insertJobs(db, jobs.map(newJob));
}

function newJob(job: JobSpec<JobKind>): NewJob {
  return {
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    runAt: job.runAt ?? job.now,
    maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    uniqueKey: job.uniqueKey ?? null,
    now: job.now,
  };
}

/**
 * Moves a waiting job (enqueued with `uniqueKey`) to `runAt`, in the transaction of the change
 * that moves it (a start date or a last day). False when the job is no longer waiting.
 */
export function reschedule(db: Kysely<Database> | Transaction<Database>, uniqueKey: string, runAt: number, now: number): Promise<boolean> {
  return rescheduleQueuedJob(db, uniqueKey, runAt, now);
}

/** The next slot of a cron pattern after `after`, in an IANA zone (default: the server's). */
export function nextSlot(pattern: string, after: number, timezone?: string): number {
  const next = new Cron(pattern, { timezone, paused: true }).nextRun(new Date(after));
  if (!next) throw new Error(`cron pattern "${pattern}" has no next run`);
  return next.getTime();
}

export interface QueueOptions {
  /** How long a claim holds a job; a holder that dies loses it after this. Renewed while the job runs. */
  leaseMs?: number;
  /** First retry delay; it doubles per attempt, with jitter, up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often an idle worker looks for due jobs. */
  pollMs?: number;
  /**
   * How long a wake() waits before idle workers look (default 20 ms). Every write request wakes
   * the workers; under load the jobs of the requests of this window are then claimed together,
   * and a burst of requests is not interleaved job by job with the worker's own writes.
   */
  wakeDelayMs?: number;
  /** How many due jobs one claim takes (default 20): one write for a burst instead of one per job. */
  claimBatch?: number;
  /** This process's name on the leases it holds. */
  owner?: string;
  /** 0 ≤ x < 1, injectable so tests can pin the jitter. */
  random?: () => number;
  /** False leaves recurring jobs unscheduled (tests whose counts background housekeeping would disturb). */
  recurring?: boolean;
}

interface Registration {
  run: (payload: unknown, context: JobContext) => Promise<void>;
  /** Payload holds something secret (a code in a mail): blank it once the job is done. */
  scrubWhenDone: boolean;
}

interface Schedule {
  name: string;
  pattern: string;
  timezone: string | undefined;
  kind: JobKind;
  payload: unknown;
  lastSlot: number | null;
  /** The clock reading lastSlot was computed at: until lastSlot, the next slot is still lastSlot. */
  computedAt: number | null;
}

/** How long the worker runs jobs before it lets waiting requests in. */
const YIELD_AFTER_MS = 4;

/**
 * Jobs that take this long on average (a mail through a slow SMTP server, a directory call) are
 * claimed one at a time again: a batch of them would sit behind each other in one worker while
 * other workers and processes idle.
 */
const SLOW_JOB_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs jobs from the jobs table: claims with a lease, retries with exponential backoff and
 * jitter up to the job's max attempts, then leaves it failed for an admin. Any number of
 * processes can run one each against the same database; each job runs once (a job whose
 * process died mid-run runs again elsewhere, so handlers are written to be safe to repeat).
 */
export class JobQueue {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly pollMs: number;
  private readonly wakeDelayMs: number;
  private readonly claimBatch: number;
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly random: () => number;
  private readonly recurring: boolean;
  private readonly handlers = new Map<string, Registration>();
  private readonly schedules: Schedule[] = [];
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Jobs claimed in a batch whose turn has not come yet. */
  private readonly waiting = new Set<number>();
  /** How long this queue's recent jobs took (ms, a moving average): decides the claim's size. */
  private recentJobMs = 0;
  private loops: Promise<void>[] = [];
  private stopping = false;
  private wakers = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: QueueOptions = {},
  ) {
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 10_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 60 * 60_000;
    this.pollMs = options.pollMs ?? 1000;
    this.wakeDelayMs = options.wakeDelayMs ?? 20;
    this.claimBatch = Math.max(1, options.claimBatch ?? 20);
    this.random = options.random ?? Math.random;
    this.recurring = options.recurring ?? true;
  }

  /** Says how jobs of a kind are done. */
  register<K extends JobKind>(kind: K, handler: JobHandler<K>, options: { scrubWhenDone?: boolean } = {}): this {
    this.handlers.set(kind, { run: handler as Registration['run'], scrubWhenDone: options.scrubWhenDone ?? false });
    return this;
  }

  /**
   * A recurring job on a cron pattern, in the server's time zone unless `timezone` (IANA) says
   * otherwise. Each slot is one job with a unique key, so however many processes schedule it,
   * the slot runs once.
   */
  every<K extends JobKind>(name: string, pattern: string, kind: K, payload: JobPayloads[K], options: { timezone?: string } = {}): this {
    nextSlot(pattern, this.clock.now(), options.timezone); // a bad pattern fails at start, not later
    if (!this.recurring) return this;
    this.schedules.push({ name, pattern, timezone: options.timezone, kind, payload, lastSlot: null, computedAt: null });
    return this;
  }

  /** Delay before the retry that follows `attempt` failed attempts: base·2^(n−1), capped, with jitter (½ to 1×). */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }

  /** Makes sure each recurring schedule's next slot is in the table (cheap when it already is). */
  async scheduleRecurring(): Promise<void> {
    const now = this.clock.now();
    for (const schedule of this.schedules) {
      // Parsing the cron pattern is most of this method's cost and it runs on every wake: the slot
      // already queued stays the next one until its time (unless the clock went back).
      if (schedule.lastSlot !== null && schedule.computedAt !== null && schedule.computedAt <= now && now < schedule.lastSlot) continue;
      const slot = nextSlot(schedule.pattern, now, schedule.timezone);
      schedule.computedAt = now;
      if (slot === schedule.lastSlot) continue;
      await enqueue(this.db, {
        kind: schedule.kind,
        payload: schedule.payload as JobPayloads[typeof schedule.kind],
        now,
        runAt: slot,
        uniqueKey: `${schedule.name}@${new Date(slot).toISOString()}`,
      });
      schedule.lastSlot = slot;
    }
  }

  /**
   * Claims and runs due jobs one after another until none is due (or `limit` ran). Workers call
   * it in a loop; tests call it directly with a manual clock. Returns how many jobs ran.
   */
  async runDueJobs(options: { limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? Infinity;
    await failAbandonedJobs(this.db, this.clock.now());
    await this.scheduleRecurring();
    let ran = 0;
    while (ran < limit && !this.stopping) {
      // Several due jobs in one claim (one write, not one per job); they run one after another.
      const size = this.recentJobMs >= SLOW_JOB_MS ? 1 : Math.min(this.claimBatch, limit - ran);
      const claimed = await claimJobs(this.db, this.owner, this.clock.now(), this.leaseMs, size);
      if (!claimed.length) break;
      // All are due; they run in the order they were queued (UPDATE … RETURNING keeps no order).
      claimed.sort((x, y) => x.id - y.id);
      const waiting = claimed.map((job) => job.id);
      for (const id of waiting) this.waiting.add(id);
      // The jobs claimed but not started yet keep their leases while the others run.
      const heartbeat = setInterval(() => {
        const now = this.clock.now();
        for (const id of waiting) if (this.waiting.has(id)) void extendLease(this.db, id, this.owner, now + this.leaseMs).catch(() => {});
      }, Math.max(50, this.leaseMs / 3));
      heartbeat.unref();
      let handedBack = false;
      try {
        let slice = performance.now();
        for (const job of claimed) {
          if (this.stopping) break;
          this.waiting.delete(job.id);
          const started = performance.now();
          await this.track(job);
          this.recentJobMs = this.recentJobMs * 0.8 + (performance.now() - started) * 0.2;
          ran++;
          if (this.recentJobMs >= SLOW_JOB_MS && waiting.some((id) => this.waiting.has(id))) {
            // Slow jobs: the rest of the batch goes back for whichever worker is free.
            handedBack = true;
            break;
          }
          // Back to the event loop every few milliseconds of jobs: requests that came in
          // meanwhile are served before the rest of the batch (database calls here never yield),
          // and the worker still keeps up with a steady stream of requests.
          if (performance.now() - slice >= YIELD_AFTER_MS && waiting.some((id) => this.waiting.has(id))) {
            await new Promise((resolve) => setImmediate(resolve));
            slice = performance.now();
          }
        }
      } finally {
        clearInterval(heartbeat);
        await this.releaseWaiting(waiting);
      }
      if (handedBack) this.wakeNow();
    }
    return ran;
  }

  /** Runs jobs until nothing is due or running, for tests and the CLI (other workers may share the work). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.runDueJobs();
      if ((await countPendingJobs(this.db, this.clock.now())) === 0) return;
      if (Date.now() > deadline) throw new Error('jobs still pending after drain timeout');
      await sleep(10);
    }
  }

  private track(job: JobRow): Promise<void> {
    const running = this.runOne(job).finally(() => this.inFlight.delete(job.id));
    this.inFlight.set(job.id, running);
    return running;
  }

  private async runOne(job: JobRow): Promise<void> {
    const registration = this.handlers.get(job.kind);
    const context: JobContext = { id: job.id, kind: job.kind, attempt: job.attempts, maxAttempts: job.max_attempts };
    // A long job renews its lease so nobody takes it over while it is still making progress.
    const heartbeat = setInterval(() => {
      void extendLease(this.db, job.id, this.owner, this.clock.now() + this.leaseMs).catch(() => {});
    }, Math.max(50, this.leaseMs / 3));
    heartbeat.unref();
    try {
      if (!registration) throw new Error(`No handler for job kind "${job.kind}" in this process.`);
      await registration.run(JSON.parse(job.payload), context);
      clearInterval(heartbeat);
      if (!(await completeJob(this.db, job.id, this.owner, this.clock.now(), registration.scrubWhenDone))) {
        this.logger.warn({ jobId: job.id, kind: job.kind }, 'job finished after its lease was taken over; it may have run twice');
      }
    } catch (error) {
      clearInterval(heartbeat);
      const message = error instanceof Error ? error.message : String(error);
      const now = this.clock.now();
      const retryAt = job.attempts >= job.max_attempts ? null : now + this.backoffMs(job.attempts);
      await recordJobFailure(this.db, job.id, this.owner, now, message, retryAt);
      const fields = { jobId: job.id, kind: job.kind, attempt: job.attempts, maxAttempts: job.max_attempts, err: message };
      if (retryAt === null) this.logger.error(fields, 'job failed for good; an admin can retry it');
      else this.logger.warn({ ...fields, retryAt: new Date(retryAt).toISOString() }, 'job attempt failed; will retry');
    }
  }

  /** Jobs claimed but not started (stopping, or the batch turned out slow) go back untouched, the attempt not counted. */
  private async releaseWaiting(ids: number[]): Promise<void> {
    const now = this.clock.now();
    for (const id of ids) {
      if (!this.waiting.delete(id)) continue;
      await releaseJob(this.db, id, this.owner, now).catch(() => {});
    }
  }

  /** Starts `workers` loops that poll for due jobs. */
  start(workers: number): void {
    this.stopping = false;
    for (let i = 0; i < workers; i++) this.loops.push(this.loop());
  }

  /**
   * Lets sleeping workers look for jobs soon (called after a request that may have enqueued one
   * committed): after wakeDelayMs, so that the wakes of a burst of requests become one look.
   */
  wake(): void {
    if (this.wakeDelayMs <= 0) return this.wakeNow();
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => this.wakeNow(), this.wakeDelayMs);
    this.wakeTimer.unref();
  }

  private wakeNow(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    for (const wake of this.wakers) wake();
  }

  get running(): boolean {
    return this.loops.length > 0;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let ran = 0;
      try {
        ran = await this.runDueJobs({ limit: 50 });
      } catch (error) {
        // The database may be down for a while: keep polling, say so once per poll.
        this.logger.error({ err: (error as Error).message }, 'job worker could not reach the queue');
      }
      if (ran === 0 && !this.stopping) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wakers.add(done);
    });
  }

  /**
   * Graceful stop: no new claims; jobs already running get `graceMs` to finish, and any still
   * running then are released for another process (their attempt not counted).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.wakeNow();
    const loops = Promise.all(this.loops);
    const finished = await Promise.race([loops.then(() => true), sleep(graceMs).then(() => false)]);
    if (!finished) {
      const now = this.clock.now();
      for (const id of this.inFlight.keys()) {
        await releaseJob(this.db, id, this.owner, now).catch(() => {});
        this.logger.warn({ jobId: id }, 'job released at shutdown; another process will run it');
      }
      await this.releaseWaiting([...this.waiting]);
    }
    this.loops = [];
  }
}
