/**
 * Review-by reminders: the daily scan mails an overdue article's owner once per review period,
 * through the real SMTP path, and stops once the article is reviewed (saved with a new date).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle, updateArticle, type KbDeps } from '../../server/features/kb/service.js';
import { enqueue } from '../../server/jobs/queue.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import { buildTestAppWithMail, type TestApp } from '../harness/app.js';
import type { SmtpCapture } from '../harness/smtp.js';

describe('knowledge-base review reminders', () => {
  let t: TestApp & { smtp: SmtpCapture };
  let kb: KbDeps;
  beforeAll(async () => {
    t = await buildTestAppWithMail();
    kb = { db: t.deps.db, engine: searchEngineFor(t.deps.database.kind), audit: t.deps.audit, clock: t.clock };
  });
  afterAll(() => t?.close());

  const scan = async () => {
    await enqueue(t.deps.db, { kind: 'kb.review-scan', payload: {}, now: t.clock.now() });
    await t.drainJobs();
  };

  it('mails the owner once per review period, and not after the review', async () => {
    const owner = await t.addPerson({ role: 'helpdesk', prefix: 'owner' });
    const nextWeek = new Date(t.clock.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(t.clock.now() - 86_400_000).toISOString().slice(0, 10);
    const input = { title: 'Stale VPN steps', body: 'Old.', locale: 'en' as const, status: 'published' as const, owner: owner.username };
    const stale = await createArticle(kb, { username: 'hana', canEdit: true }, { ...input, reviewBy: yesterday });
    await createArticle(kb, { username: 'hana', canEdit: true }, { ...input, title: 'Fresh article', reviewBy: nextWeek });
    await createArticle(kb, { username: 'hana', canEdit: true }, { ...input, title: 'Draft', status: 'draft', reviewBy: yesterday });

    await scan();
    const mails = t.smtp.to(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('Stale VPN steps');
    expect(mails[0]!.text).toContain(`/kb/${stale.slug}`);

    // The next day's scan: still overdue, but already told for this period.
    t.clock.advance(86_400_000);
    await scan();
    expect(t.smtp.to(owner.email)).toHaveLength(1);

    // Reviewed with a new date in the past again (a new period): told again, once.
    await updateArticle(kb, { username: owner.username, canEdit: true }, stale.id, { ...input, reviewBy: yesterday.replace(/^\d{4}/, (y) => String(Number(y) - 1)) });
    await scan();
    expect(t.smtp.to(owner.email)).toHaveLength(2);
  });
});
