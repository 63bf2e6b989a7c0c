import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import { createHire } from '../../server/features/onboarding/service.js';
import { onboardingDepsOf } from '../../server/features/onboarding/routes.js';
import type { AppDeps } from '../../server/http/context.js';
import { ManualClock } from '../harness/clock.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';

/**
 * Three server processes on one PostgreSQL database, 500 hires whose start (local midnight) has
 * come at once: each activation runs exactly once. Counted three ways: directory enables (every
 * call, from the processes themselves), audit rows, and activation mails at a real SMTP server.
 */
const HIRES = 500;
const PROCESSES = 3;
const WORKER = path.resolve('tests/harness/onboarding-worker.ts');

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(availableDialects().includes('postgres'))('onboarding across server processes on PostgreSQL', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let smtp: SmtpCapture;
  let deps: AppDeps;
  let dataDir: string;
  const workers: ChildProcess[] = [];
  const secret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    handle = await openTestDatabase('postgres');
    await sql`create table directory_enables (username text not null, owner text not null)`.execute(handle.db);
    smtp = await startSmtpCapture();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-onb-'));
    // This process only adds hires (no job workers); its clock is a week back, so the start date
    // (yesterday for the real clock the worker processes use) is still ahead when HR adds them.
    const clock = new ManualClock(Date.now() - 7 * 86_400_000);
    const config = loadConfig({
      PORTAL_DEMO: '1',
      PORTAL_DATA_DIR: dataDir,
      PORTAL_SECRET: secret,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'http://portal.test',
      LOG_LEVEL: 'silent',
      JOBS_WORKERS: '0',
    });
    deps = await composeApp(config, { clock, database: handle, webRoot: null, jobs: { recurring: false } });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    await closeDeps(deps);
    await smtp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${HIRES} hires due at once, ${PROCESSES} processes: every activation exactly once`, async () => {
    const onboarding = onboardingDepsOf(deps);
    const hr = { username: 'ruth', roles: ['employee', 'hr'] as const };
    const startDate = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const ids: number[] = [];
    const setupStarted = Date.now();
    for (let i = 0; i < HIRES; i++) {
      const view = await createHire(onboarding, hr, {
        firstName: 'Load',
        lastName: `Hire ${i}`,
        personalEmail: `hire${i}@personal.example.net`,
        startDate,
        timeZone: 'UTC',
        department: 'Engineering',
        title: 'Engineer',
        manager: 'mark',
      });
      ids.push(view.id);
    }
    // Accounts created (disabled) ahead of the day, as the provisioning jobs do on the HR clock.
    await deps.jobs.drain(120_000);
    const created = await deps.db.selectFrom('hires').select('id').where('account_created_at', 'is not', null).execute();
    expect(created).toHaveLength(HIRES);
    const due = await deps.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'onboarding.activate')
      .where('state', '=', 'queued')
      .execute();
    expect(due).toHaveLength(HIRES);

    const setupMs = Date.now() - setupStarted;
    const started = Date.now();
    for (let i = 0; i < PROCESSES; i++)
      workers.push(
        await startWorker({
          DATABASE_URL: handle.config.kind === 'postgres' ? handle.config.url : '',
          SMTP_URL: smtp.url,
          PORTAL_SECRET: secret,
          JOBS_WORKERS: '2',
        }),
      );
    const enabledAudit = () =>
      deps.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('action', '=', 'onboarding.account_enabled')
        .executeTakeFirstOrThrow();
    await until(async () => Number((await enabledAudit()).n) >= HIRES && smtp.messages.length >= HIRES, 240_000);
    const elapsed = Date.now() - started;
    // Let any straggler (a duplicate, if there were one) finish before counting.
    await until(async () => {
      const open = await deps.db
        .selectFrom('jobs')
        .select('id')
        .where('state', 'in', ['queued', 'running'])
        .where('kind', 'in', ['onboarding.activate', 'mail.send'])
        .execute();
      return open.length === 0;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 500));

    expect(Number((await enabledAudit()).n)).toBe(HIRES);
    const enables = await sql<{
      username: string;
      n: string;
    }>`select username, count(*) as n from directory_enables group by username`.execute(handle.db);
    expect(enables.rows).toHaveLength(HIRES);
    expect(enables.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    const recipients = smtp.messages.flatMap((m) => m.to);
    expect(recipients).toHaveLength(HIRES);
    expect(new Set(recipients).size).toBe(HIRES);
    const secrets = await deps.db.selectFrom('one_time_secrets').select('id').where('purpose', '=', 'activation').execute();
    expect(secrets).toHaveLength(HIRES);
    const owners = await sql<{ owner: string }>`select distinct owner from directory_enables`.execute(handle.db);
    const failed = await deps.db.selectFrom('jobs').select(['kind', 'last_error']).where('state', '=', 'failed').execute();
    expect(failed).toEqual([]);
    const active = await deps.db.selectFrom('hires').select('id').where('status', '=', 'active').execute();
    expect(active).toHaveLength(HIRES);
    console.log(
      `${HIRES} activations by ${owners.rows.length} of ${PROCESSES} processes in ${(elapsed / 1000).toFixed(1)} s (enable + link + mail delivered); adding and provisioning them took ${(setupMs / 1000).toFixed(1)} s`,
    );
  }, 600_000);
});
