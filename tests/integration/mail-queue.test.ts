import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJobs } from '../../server/jobs/repository.js';
import { mailMessageId, sendMailLater } from '../../server/mail/outbox.js';
import { createSmtpMailer } from '../../server/mail/smtp.js';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { capturingLogger } from '../harness/logs.js';
import { resetFlow } from '../harness/reset-flow.js';
import { type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';

/** All mail goes through the job queue: SMTP outages delay mail, never lose or duplicate it. */
describe.each(availableDialects())('mail through the job queue on %s', (dialect) => {
  let smtp: SmtpCapture;
  let t: TestApp;
  const { logger, lines: logLines } = capturingLogger('info');

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    t = await buildTestApp({
      dialect,
      // The test drives the queue itself (no background worker), with a manual clock and short backoff.
      env: { SMTP_URL: smtp.url, JOBS_WORKERS: '0', LOG_LEVEL: 'info' },
      overrides: {
        logger,
        jobs: { backoffBaseMs: 1000, backoffMaxMs: 4000, recurring: false },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('with SMTP down the request still succeeds, and every mail arrives exactly once when SMTP is back', async () => {
    await smtp.stop();
    const flow = resetFlow(t);
    const flowId = await flow.start('alice');
    const challenge = await flow.challenge(flowId, 'email');
    expect(challenge.status).toBe(202); // no mail_unavailable: the mail waits in the queue
    for (let i = 0; i < 5; i++) {
      await sendMailLater(t.deps.db, t.deps.keys, t.clock.now(), { to: `outage-${i}@example.net`, subject: `Outage ${i}`, text: `message ${i}` });
    }
    // Attempts while SMTP is down fail and are rescheduled with backoff; nothing is lost.
    for (let round = 0; round < 3; round++) {
      await t.deps.jobs.runDueJobs();
      t.clock.advance(4000);
    }
    const waiting = await t.deps.db.selectFrom('jobs').selectAll().where('kind', '=', 'mail.send').execute();
    expect(waiting).toHaveLength(6);
    expect(waiting.every((j) => j.state === 'queued' && j.attempts === 3 && /ECONNREFUSED/.test(j.last_error ?? ''))).toBe(true);
    // While they wait, the messages (codes, links) are sealed under the portal secret: a copied
    // database shows only where each mail goes.
    for (const job of waiting) {
      const payload = JSON.parse(job.payload) as Record<string, string>;
      expect(Object.keys(payload).sort()).toEqual(['sealed', 'to']);
      expect(payload.sealed).toMatch(/^v1:/);
      expect(payload.sealed).not.toMatch(/Outage|message \d|verification code/i);
    }
    expect(waiting.map((j) => JSON.parse(j.payload).to)).toContain('outage-0@example.net');
    expect(logLines.filter((l) => l.msg === 'job attempt failed; will retry')).toHaveLength(18);
    expect(smtp.messages).toHaveLength(0);

    await smtp.start();
    t.clock.advance(4000);
    await t.drainJobs();
    expect(smtp.to('alice@example.com')).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(smtp.to(`outage-${i}@example.net`).map((m) => m.subject)).toEqual([`Outage ${i}`]);
    // Done mail jobs keep no copy of what they carried (the code).
    const done = await t.deps.db.selectFrom('jobs').select(['state', 'payload']).where('kind', '=', 'mail.send').execute();
    expect(done.every((j) => j.state === 'done' && j.payload === '{}')).toBe(true);
    t.clock.advance(60 * 60_000);
    await t.drainJobs();
    expect(smtp.messages).toHaveLength(6);
  });

  it('a resend after a crash between "sent" and "done" is the same message (same Message-ID), and it is logged', async () => {
    const before = smtp.messages.length;
    const id = (await sendMailLater(t.deps.db, t.deps.keys, t.clock.now(), { to: 'crash@example.net', subject: 'Once', text: 'hello' }))!;
    // A process claims the job, sends the mail, and dies before marking it done.
    const [job] = await claimJobs(t.deps.db, 'crashed-process', t.clock.now(), 60_000, 1);
    expect(job!.id).toBe(id);
    const messageId = mailMessageId(id, 'portal.test');
    await createSmtpMailer(smtp.url, 'IT Portal <it-portal@localhost>').send({ ...JSON.parse(job!.payload), messageId });
    t.clock.advance(60_000);
    await t.drainJobs();
    const sent = smtp.messages.slice(before);
    expect(sent.map((m) => m.messageId)).toEqual([messageId, messageId]);
    expect(logLines).toContainEqual(expect.objectContaining({ jobId: id, messageId, attempt: 2, msg: 'mail sent again: an earlier attempt may have been delivered' }));
  });

  it('a change that rolls back sends no mail', async () => {
    const before = smtp.messages.length;
    await expect(
      t.deps.db.transaction().execute(async (trx) => {
        await sendMailLater(trx, t.deps.keys, t.clock.now(), { to: 'rollback@example.net', subject: 'Never', text: 'never sent' });
        throw new Error('directory write failed');
      }),
    ).rejects.toThrow();
    await t.drainJobs();
    expect(smtp.messages.length).toBe(before);
  });
});

describe('housekeeping is scheduled by the composition root', () => {
  it('puts the next 10-minute slot in the queue and runs it then', async () => {
    const t = await buildTestApp({ env: { JOBS_WORKERS: '0' }, overrides: { jobs: { recurring: true } } });
    try {
      t.clock.set(Date.UTC(2026, 10, 24, 9, 4, 0));
      await t.deps.jobs.runDueJobs();
      const [slot] = await t.deps.db.selectFrom('jobs').selectAll().where('kind', '=', 'housekeeping').execute();
      expect(slot).toMatchObject({ state: 'queued', unique_key: 'housekeeping@2026-11-24T09:10:00.000Z', run_at: Date.UTC(2026, 10, 24, 9, 10, 0) });
      t.clock.set(Date.UTC(2026, 10, 24, 9, 10, 0));
      expect(await t.deps.jobs.runDueJobs()).toBe(1);
      expect(await t.deps.db.selectFrom('jobs').select('state').where('id', '=', slot!.id).executeTakeFirst()).toEqual({ state: 'done' });
    } finally {
      await t.close();
    }
  });
});
