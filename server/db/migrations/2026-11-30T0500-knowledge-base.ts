import { type Kysely, sql } from 'kysely';
import { autoIncrementId, isPostgres } from './dialect.js';

// The knowledge base: articles (every language a row, translations share a group), every saved
// version, feedback, a search log for analytics, and the search index. The index is built from
// our own tokens (shared/kb-text.ts), so SQLite and PostgreSQL and the offline index in the
// browser all cut text the same way:
// - kb_terms: the vocabulary (term → how many published articles contain it), for query planning,
//   prefix completion and typo candidates;
// - kb_term_keys: each word's single-deletion keys (SymSpell), so a typo finds its word through
//   an index lookup instead of a scan;
// - SQLite: kb_fts, a contentless FTS5 table of space-joined tokens (unicode61 only splits on
//   the spaces) with a facets column for language and category filters;
// - PostgreSQL: kb_search, a tsvector built from the same tokens (weights A title, B body) with a
//   GIN index, a titles-only tsvector with its own GIN index, plus locale and category columns.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('kb_articles')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('slug', 'varchar(80)', (c) => c.notNull().unique())
    // The id of the group's first article; every translation of it carries the same number.
    .addColumn('translation_group', 'integer', (c) => c.notNull())
    .addColumn('locale', 'varchar(8)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('category', 'varchar(40)')
    // JSON array of strings.
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('owner', 'varchar(256)')
    // YYYY-MM-DD.
    .addColumn('review_by', 'varchar(10)')
    .addColumn('published_at', 'bigint')
    .addColumn('last_reviewed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('helpful_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unhelpful_count', 'integer', (c) => c.notNull().defaultTo(0))
    // A counter bumped by every change a reader could see (the offline index syncs by it).
    .addColumn('change_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('kb_articles_change_seq').on('kb_articles').column('change_seq').execute();
  await db.schema.createIndex('kb_articles_group').on('kb_articles').column('translation_group').execute();
  await db.schema.createIndex('kb_articles_status_review').on('kb_articles').columns(['status', 'review_by']).execute();
  await db.schema.createIndex('kb_articles_updated').on('kb_articles').column('updated_at').execute();

  await db.schema
    .createTable('kb_article_versions')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('article_id', 'integer', (c) => c.notNull().references('kb_articles.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('locale', 'varchar(8)', (c) => c.notNull())
    .addColumn('category', 'varchar(40)')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('saved_by', 'varchar(256)')
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('kb_article_versions_article_version', ['article_id', 'version'])
    .execute();

  await db.schema
    .createTable('kb_feedback')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('article_id', 'integer', (c) => c.notNull().references('kb_articles.id').onDelete('cascade'))
    // 1 helped, 0 did not (an integer: the same on both dialects).
    .addColumn('helpful', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('username', 'varchar(256)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('kb_feedback_created').on('kb_feedback').columns(['created_at', 'article_id']).execute();
  await db.schema.createIndex('kb_feedback_article_user').on('kb_feedback').columns(['article_id', 'username']).execute();

  await db.schema
    .createTable('kb_search_log')
    .addColumn('id', 'integer', autoIncrementId(db))
    // Normalised (lower case, single spaces), at most 200 characters; never who searched.
    .addColumn('query', 'varchar(200)', (c) => c.notNull())
    .addColumn('locale', 'varchar(8)')
    .addColumn('result_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('kb_search_log_created').on('kb_search_log').columns(['created_at', 'query']).execute();

  await db.schema
    .createTable('kb_terms')
    // Byte order on PostgreSQL too, so a prefix is one index range (term >= 'prin' AND term < 'prio').
    .addColumn('term', 'varchar(64)', (c) => (pg ? c.modifyFront(sql`COLLATE "C"`) : c).primaryKey())
    .addColumn('df', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('kb_term_keys')
    .addColumn('key', 'varchar(64)', (c) => (pg ? c.modifyFront(sql`COLLATE "C"`) : c).notNull())
    .addColumn('term', 'varchar(64)', (c) => (pg ? c.modifyFront(sql`COLLATE "C"`) : c).notNull())
    .addPrimaryKeyConstraint('kb_term_keys_pk', ['key', 'term'])
    .execute();

  await db.schema
    .createTable('kb_meta')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('kb_meta').values({ name: 'change_seq', value: 0 }).execute();

  if (pg) {
    await db.schema
      .createTable('kb_search')
      .addColumn('article_id', 'integer', (c) => c.primaryKey().references('kb_articles.id').onDelete('cascade'))
      .addColumn('locale', 'varchar(8)', (c) => c.notNull())
      .addColumn('category', 'varchar(40)')
      .addColumn('tsv', sql`tsvector`, (c) => c.notNull())
      // Titles and tags alone, with an index of their own: the first pass for a very common word
      // ('vpn':A cannot use the GIN index to skip body-only matches).
      .addColumn('title_tsv', sql`tsvector`, (c) => c.notNull())
      .execute();
    await sql`CREATE INDEX kb_search_tsv ON kb_search USING gin (tsv)`.execute(db);
    await sql`CREATE INDEX kb_search_title_tsv ON kb_search USING gin (title_tsv)`.execute(db);
    await db.schema.createIndex('kb_search_locale').on('kb_search').columns(['locale', 'category']).execute();
  } else {
    // Contentless (the text lives in kb_articles) with deletes allowed: the index holds only tokens.
    await sql`CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, facets, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await db.schema.dropTable('kb_search').execute();
  else await sql`DROP TABLE kb_fts`.execute(db);
  for (const table of ['kb_meta', 'kb_term_keys', 'kb_terms', 'kb_search_log', 'kb_feedback', 'kb_article_versions', 'kb_articles']) {
    await db.schema.dropTable(table).execute();
  }
}
