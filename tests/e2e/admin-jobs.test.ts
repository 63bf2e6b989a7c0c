import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { openDatabase, type DatabaseHandle } from '../../server/db/database.js';
import { loadPortalSecret, PortalKeys } from '../../server/platform/keys.js';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';
import { heading, openSignIn, overflowsSideways, signIn } from './support/portal.js';

let smtp: SmtpCapture;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let db: DatabaseHandle;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  [server, browser] = await Promise.all([startTestServer({ env: { SMTP_URL: smtp.url } }), launchBrowser()]);
  db = openDatabase({ kind: 'sqlite', file: path.join(server.dataDir, 'portal.sqlite') });
});

afterAll(async () => {
  await db?.close();
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

/** A mail job that ran out of attempts while the mail server was unreachable. */
async function failedMailJob(to: string): Promise<number> {
  const now = Date.now();
  const row = await db.db
    .insertInto('jobs')
    .values({
      kind: 'mail.send',
      // Sealed as the portal seals queued mail, with the server's own secret from its data directory.
      payload: JSON.stringify({
        to,
        sealed: new PortalKeys(loadPortalSecret(null, server.dataDir)).seal(
          'mailJobs',
          JSON.stringify({ to, subject: `Held mail for ${to}`, text: 'It waited for the mail server.' }),
          to,
        ),
      }),
      state: 'failed',
      run_at: now,
      attempts: 8,
      max_attempts: 8,
      last_error: 'connect ECONNREFUSED 127.0.0.1:25',
      created_at: now,
      updated_at: now,
      finished_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('failed background jobs on the admin page', () => {
  test('adam, on his phone and by keyboard, retries a failed mail (it arrives) and discards another', async () => {
    const retried = await failedMailJob('held.one@example.net');
    const discarded = await failedMailJob('held.two@example.net');
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'adam');
    await expect.poll(() => heading(page)).toBe('Hello, Adam Admin');
    await page.goto(new URL('/admin', server.url).href);

    const section = page.getByRole('region', { name: 'Failed background jobs' });
    await expect.poll(() => section.getByRole('listitem').count()).toBe(2);
    const text = await section.textContent();
    expect(text).toContain('mail.send');
    expect(text).toContain('8 of 8 attempts');
    expect(text).toContain('connect ECONNREFUSED 127.0.0.1:25');
    expect(text).not.toContain('held.one@example.net'); // no payload on the page
    expect(await overflowsSideways(page)).toBe(false);

    // Keyboard only: focus the retry button of the job and press Enter.
    const first = section.getByRole('listitem').filter({ hasText: `#${retried}` });
    await first.getByRole('button', { name: 'Retry now' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => section.getByRole('status').textContent()).toContain(`Job ${retried} is queued again.`);
    expect((await smtp.waitFor('held.one@example.net')).subject).toBe('Held mail for held.one@example.net');

    const second = section.getByRole('listitem').filter({ hasText: `#${discarded}` });
    await second.getByRole('button', { name: 'Discard' }).focus();
    await page.keyboard.press('Enter');
    // The question appears in place with focus on "Yes".
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, discard');
    await page.keyboard.press('Enter');
    await expect.poll(() => section.getByRole('status').textContent()).toContain(`Job ${discarded} was discarded.`);
    await expect.poll(() => section.textContent()).toContain('No failed jobs.');
    expect(await db.db.selectFrom('jobs').select('id').where('id', '=', discarded).executeTakeFirst()).toBeUndefined();
    expect(smtp.to('held.two@example.net')).toEqual([]);
    await context.close();
  });
});
