import { loadDemoArticles } from '../../demo/kb/load.js';
import { withTransaction } from '../../db/transaction.js';
import { importArticles } from './import.js';
import type { KbDeps } from './service.js';

/** The demo help-desk member who owns the starter articles (and gets their review reminders). */
const DEMO_OWNER = 'hana';

/** Slug of a demo article: the English source keeps the file's slug, translations add their language. */
export function demoArticleSlug(slug: string, locale: string): string {
  return locale === 'en' ? slug : `${slug}-${locale.toLowerCase()}`;
}

/**
 * Loads the starter knowledge base (server/demo/kb) into an empty knowledge base, published,
 * translations linked to their English source, "last reviewed" as the files say and due for
 * review a year later. Returns false (and changes nothing) when there are articles already.
 */
export async function seedDemoKnowledgeBase(deps: KbDeps): Promise<boolean> {
  if (await deps.db.selectFrom('kb_articles').select('id').limit(1).executeTakeFirst()) return false;
  const articles = loadDemoArticles();
  const lines = articles.map((a) =>
    JSON.stringify({
      title: a.title,
      body: a.body,
      locale: a.locale,
      category: a.category,
      tags: a.tags.slice(0, 20),
      status: 'published',
      slug: demoArticleSlug(a.slug, a.locale),
      owner: DEMO_OWNER,
      reviewBy: `${Number(a.reviewed.slice(0, 4)) + 1}${a.reviewed.slice(4)}`,
    }),
  );
  const summary = await importArticles(deps, lines, { actor: DEMO_OWNER });
  if (summary.errors.length)
    throw new Error(`demo knowledge base: ${summary.errors.map((e) => `${articles[e.line - 1]?.slug}: ${e.message}`).join('; ')}`);
  await withTransaction(deps.db, async (trx) => {
    const rows = await trx.selectFrom('kb_articles').select(['id', 'slug']).execute();
    const idOf = new Map(rows.map((r) => [r.slug, r.id]));
    for (const a of articles) {
      const id = idOf.get(demoArticleSlug(a.slug, a.locale))!;
      await trx
        .updateTable('kb_articles')
        .set({ translation_group: idOf.get(a.slug) ?? id, last_reviewed_at: Date.parse(`${a.reviewed}T00:00:00Z`) })
        .where('id', '=', id)
        .execute();
    }
  });
  return true;
}
