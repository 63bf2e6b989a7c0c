import { KB_PUBLIC_TAG } from '../../../shared/kb.js';
import { indexTokens, markdownToText, snippetSourceOfText } from '../../../shared/kb-text.js';
import { ROWS_PER_STATEMENT, chunks } from '../../db/chunks.js';
import type { Executor } from '../../db/transaction.js';
import type { IndexedDoc, SearchEngine } from './engine.js';
import { ARTICLE_COUNT_TERM, applyVocabularyDeltas } from './vocabulary.js';

/** What the index needs of an article. */
export interface IndexableArticle {
  id: number;
  title: string;
  body: string;
  tags: readonly string[];
  locale: string;
  category: string | null;
}

/** An article row's tags (stored as JSON); unreadable tags count as none. */
export function tagsOf(row: { tags: string }): string[] {
  try {
    const parsed: unknown = JSON.parse(row.tags);
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Tokens of an article: title and tags rank as title, the Markdown's visible text as body
 * (`visibleText`, when the caller has reduced the Markdown already).
 */
export function toIndexedDoc(article: IndexableArticle, visibleText = markdownToText(article.body)): IndexedDoc {
  return {
    id: article.id,
    locale: article.locale,
    category: article.category,
    // The `public` marker says who may read an article, not what it is about: not a search word.
    titleTokens: indexTokens([article.title, ...article.tags.filter((t) => t !== KB_PUBLIC_TAG)].join(' \n ')),
    titleLength: [...article.title].length, // code points, as SQLite's length() counts
    bodyTokens: indexTokens(visibleText),
  };
}

function countDistinct(deltas: Map<string, number>, doc: IndexedDoc, sign: 1 | -1) {
  for (const t of new Set([...doc.titleTokens, ...doc.bodyTokens])) deltas.set(t, (deltas.get(t) ?? 0) + sign);
}

/**
 * Brings the index in line with a set of changes, in the caller's transaction: `before` are the
 * articles as they were indexed (published) and `after` as they are to be indexed (published
 * now); an article in `before` only leaves the index. The vocabulary follows, its article count
 * (ARTICLE_COUNT_TERM) too.
 */
export async function reindex(
  engine: SearchEngine,
  trx: Executor,
  before: readonly IndexableArticle[],
  after: readonly IndexableArticle[],
): Promise<void> {
  const deltas = new Map<string, number>();
  for (const a of before) countDistinct(deltas, toIndexedDoc(a), -1);
  // Markdown reduced once an article: for its tokens and for its snippet text.
  const texts = after.map((a) => markdownToText(a.body));
  const docs = after.map((a, i) => toIndexedDoc(a, texts[i]));
  for (const d of docs) countDistinct(deltas, d, 1);
  deltas.set(ARTICLE_COUNT_TERM, docs.length - before.length);
  if (before.length) {
    await engine.remove(
      trx,
      before.map((a) => a.id),
    );
    for (const part of chunks(before, ROWS_PER_STATEMENT)) {
      await trx
        .deleteFrom('kb_snippet_text')
        .where(
          'article_id',
          'in',
          part.map((a) => a.id),
        )
        .execute();
    }
  }
  if (docs.length) {
    await engine.add(trx, docs);
    // What results' snippets are cut from, made once here rather than on every search.
    const rows = after.map((a, i) => ({ article_id: a.id, text: snippetSourceOfText(texts[i]!) }));
    for (const part of chunks(rows, ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('kb_snippet_text')
        .values(part)
        .onConflict((oc) => oc.column('article_id').doUpdateSet((eb) => ({ text: eb.ref('excluded.text') })))
        .execute();
    }
  }
  await applyVocabularyDeltas(trx, deltas);
}
