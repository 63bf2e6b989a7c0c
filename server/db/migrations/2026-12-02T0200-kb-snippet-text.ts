import type { Kysely } from 'kysely';
import { snippetSource } from '../../../shared/kb-text.js';

// The text search snippets are cut from, kept by the index for each published article: the
// opening of its visible text, Markdown already reduced and whitespace folded. Reducing Markdown
// for ten results on every search was a third of a search's CPU time. Backfilled here from the
// published articles with the shared function the index writes it with.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kb_snippet_text')
    .addColumn('article_id', 'integer', (c) => c.primaryKey().references('kb_articles.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .execute();
  let after = 0;
  for (;;) {
    const rows: { id: number; body: string }[] = await db
      .selectFrom('kb_articles')
      .select(['id', 'body'])
      .where('status', '=', 'published')
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    if (!rows.length) break;
    await db
      .insertInto('kb_snippet_text')
      .values(rows.map((r) => ({ article_id: r.id, text: snippetSource(r.body) })))
      .execute();
    after = rows.at(-1)!.id;
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kb_snippet_text').execute();
}
