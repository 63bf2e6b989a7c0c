import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { JobQueue } from '../../server/jobs/queue.js';
import { mailMessageId } from '../../server/mail/outbox.js';
import { ManualClock } from '../harness/clock.js';
import { createLogger } from '../../server/platform/logger.js';

// The queue never touches the database in these checks; a stand-in keeps them unit tests.
const noDb = {} as ConstructorParameters<typeof JobQueue>[0];
const queue = (random: () => number) =>
  new JobQueue(noDb, new ManualClock(), createLogger('silent'), { backoffBaseMs: 10_000, backoffMaxMs: 3_600_000, random });

describe('job retry backoff', () => {
  it('doubles per attempt from the base, between half and all of it (jitter)', () => {
    const low = queue(() => 0);
    const high = queue(() => 0.999999);
    expect([1, 2, 3, 4].map((n) => low.backoffMs(n))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => high.backoffMs(n))).toEqual([10_000, 20_000, 40_000, 80_000]);
  });

  it('never waits longer than the maximum', () => {
    const q = queue(() => 0.999999);
    expect(q.backoffMs(30)).toBeLessThanOrEqual(3_600_000);
    expect(q.backoffMs(30)).toBeGreaterThan(3_599_000);
    expect(queue(() => 0).backoffMs(30)).toBe(1_800_000);
  });

  it('refuses a cron pattern that can never run, at start', () => {
    expect(() => queue(Math.random).every('broken', 'not a pattern', 'housekeeping', {})).toThrow();
  });
});

describe('JOBS_WORKERS', () => {
  it('defaults to one worker per process, and 0 makes a web-only process', () => {
    expect(loadConfig({}).jobWorkers).toBe(1);
    expect(loadConfig({ JOBS_WORKERS: '0' }).jobWorkers).toBe(0);
    expect(loadConfig({ JOBS_WORKERS: '4' }).jobWorkers).toBe(4);
  });

  it('refuses a negative or non-numeric count', () => {
    expect(() => loadConfig({ JOBS_WORKERS: '-1' })).toThrow(/JOBS_WORKERS/);
    expect(() => loadConfig({ JOBS_WORKERS: 'many' })).toThrow(/JOBS_WORKERS/);
  });
});

describe('mail Message-ID', () => {
  it('is derived from the job id, so a resend is the same message', () => {
    expect(mailMessageId(42, 'it.example.com')).toBe('<portal-job-42@it.example.com>');
    expect(mailMessageId(42, 'it.example.com')).toBe(mailMessageId(42, 'it.example.com'));
  });
});
