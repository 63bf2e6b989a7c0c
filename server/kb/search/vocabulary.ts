import { deletionKeys, editDistance, isCjkChar } from '../../../shared/kb-text.js';
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Executor } from '../../db/transaction.js';
import { ROWS_PER_STATEMENT, chunks } from '../../db/chunks.js';
import { inList, listArgument, oneOf, precompiledRead } from '../../db/prepared.js';

/**
 * The search vocabulary: how many published articles contain each term (document frequency),
 * and each word's single-deletion keys. It plans queries (how common is a term), completes
 * prefixes and corrects typos by index lookups, so none of that scans articles.
 */

/**
 * The vocabulary's total: how many articles the index holds, kept as the document frequency of
 * the empty term (no token is empty, and every article "contains" it), so a query's plan reads it
 * with its terms' counts in the same lookup.
 */
export const ARTICLE_COUNT_TERM = '';

/** Words shorter than this get no typo keys (a 2-letter typo is just another word). */
const MIN_FUZZY_LENGTH = 3;

/** Applies document-frequency changes (term → +n / −n) and adds typo keys for words. */
export async function applyVocabularyDeltas(trx: Executor, deltas: ReadonlyMap<string, number>): Promise<void> {
  const entries = [...deltas].filter(([, d]) => d !== 0);
  // Typo keys are only needed for words new to the vocabulary: find which ones are already known.
  const known = new Set<string>();
  const words = entries.filter(([term, d]) => d > 0 && term.length >= MIN_FUZZY_LENGTH && !isCjkChar(term[0]!)).map(([term]) => term);
  for (const part of chunks(words, ROWS_PER_STATEMENT)) {
    const rows = await trx.selectFrom('kb_terms').select('term').where('term', 'in', part).execute();
    for (const r of rows) known.add(r.term);
  }
  for (const part of chunks(entries, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto('kb_terms')
      .values(part.map(([term, df]) => ({ term, df: Math.max(df, 0) })))
      .onConflict((oc) => oc.column('term').doUpdateSet((eb) => ({ df: eb(eb.ref('kb_terms.df'), '+', eb.ref('excluded.df')) })))
      .execute();
  }
  // Negative deltas: a plain update (the upsert above clamps new rows at 0).
  for (const [term, delta] of entries) {
    if (delta < 0) {
      await trx
        .updateTable('kb_terms')
        .set((eb) => ({ df: eb('df', '+', delta) }))
        .where('term', '=', term)
        .execute();
    }
  }
  const keys: { key: string; term: string }[] = [];
  for (const term of words) {
    if (known.has(term)) continue;
    for (const key of deletionKeys(term)) keys.push({ key, term });
  }
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto('kb_term_keys')
      .values(part)
      .onConflict((oc) => oc.columns(['key', 'term']).doNothing())
      .execute();
  }
}

const COMPLETIONS = 6;
const COMPLETION_SCAN = 400;
const TYPO_CHOICES = 3;
/** Vocabulary rows a word's deletion keys lead to, at most (the typo lookup's LIMIT). */
const TYPO_SCAN = 200;

// The lookups every search that misses the caches makes, compiled once (precompiledRead): Kysely
// building and compiling them was ~40 µs each, a few per search.
const frequencyRows = precompiledRead((db, terms: unknown) =>
  db
    .selectFrom('kb_terms')
    .select(['term', 'df'])
    .where(inList(db, 'term', terms)),
);
const typoRows = precompiledRead((db, keys: unknown) => typoLookup(db, inList(db, 'k.key', keys)));
// The usual scan is part of the statement (on SQLite a bound LIMIT costs a new plan at every run:
// see sqliteLimit); another one, asked for by tests, is read through Kysely.
const completionRows = precompiledRead((db, prefix: string, upper: string) => completionRange(db, prefix, upper, COMPLETION_SCAN));

/** Document frequencies of the given terms (missing ones are 0). */
export async function documentFrequencies(db: Executor, terms: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!terms.length) return out;
  const rows = await frequencyRows(db, listArgument(db, terms));
  for (const r of rows) out.set(r.term, Number(r.df));
  return out;
}

/**
 * Words within one edit (insert, delete, substitute, swap neighbours) of `word` that articles
 * use, most common first. One indexed lookup of the word's deletion keys; at most `max` back.
 */
export async function typoCandidates(db: Executor, word: string, max = TYPO_CHOICES): Promise<{ term: string; df: number }[]> {
  if (word.length < MIN_FUZZY_LENGTH) return [];
  return closestTypos(word, await typoRows(db, listArgument(db, deletionKeys(word))), max);
}

/** The vocabulary rows deletion keys lead to (`keys`: the condition on `k.key`), at most TYPO_SCAN. */
function typoLookup(db: Executor, keys: Expression<SqlBool>) {
  return db
    .selectFrom('kb_term_keys as k')
    .innerJoin('kb_terms as t', 't.term', 'k.term')
    .select(['t.term', 't.df'])
    .where(keys)
    .where('t.df', '>', 0)
    .limit(TYPO_SCAN);
}

/** Of the rows `word`'s deletion keys led to, the `max` commonest words within one edit of it. */
function closestTypos(word: string, rows: readonly { term: string; df: number | string }[], max: number): { term: string; df: number }[] {
  const seen = new Set<string>();
  return rows
    .filter((r) => r.term !== word && !seen.has(r.term) && seen.add(r.term) && editDistance(word, r.term, 1) <= 1)
    .map((r) => ({ term: r.term, df: Number(r.df) }))
    .sort((a, b) => b.df - a.df)
    .slice(0, max);
}

/** The first string after every one that starts with `prefix`. */
function pastPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCodePoint(prefix.codePointAt(prefix.length - 1)! + 1);
}

/** The vocabulary rows the completions of a prefix are chosen from (`upper`: pastPrefix of it): at most `scan`, in term order. */
function completionRange(db: Executor, prefix: string, upper: string, scan: number) {
  return db
    .selectFrom('kb_terms')
    .select(['term', 'df'])
    .where('term', '>', prefix)
    .where('term', '<', upper)
    .where('df', '>', 0)
    .orderBy('term')
    .limit(scan);
}

/** The `max` commonest of `rows`. */
function mostCommon(rows: readonly { term: string; df: number | string }[], max: number): { term: string; df: number }[] {
  return rows
    .map((r) => ({ term: r.term, df: Number(r.df) }))
    .sort((a, b) => b.df - a.df)
    .slice(0, max);
}

/**
 * The most common words starting with `prefix`. Reads at most `scan` vocabulary rows in term
 * order (an index range), so even a one-letter prefix costs a bounded amount.
 */
export async function prefixCompletions(
  db: Executor,
  prefix: string,
  max = COMPLETIONS,
  scan = COMPLETION_SCAN,
): Promise<{ term: string; df: number }[]> {
  const rows =
    scan === COMPLETION_SCAN
      ? await completionRows(db, prefix, pastPrefix(prefix))
      : await completionRange(db, prefix, pastPrefix(prefix), scan).execute();
  return mostCommon(rows, max);
}

/**
 * A word that is corrected when nothing else stands for it in a query (see expandTerms): neither
 * itself, nor its `stem`, nor (`completes`: the word being typed) a longer word it begins.
 */
export interface TypoCheck {
  word: string;
  stem?: string | undefined;
  completes: boolean;
}

/**
 * documentFrequencies of `terms` and prefixCompletions of each of `prefixes`: a typed query needs
 * both before anything else. With `oneStatement` they are read in one: on PostgreSQL every
 * statement is a round trip that costs the server more CPU (~0.15 ms) than the lookups themselves.
 * SQLite runs in-process, with no round trip to save, and the compound statement costs it ~10 µs more.
 *
 * In the one statement, also the typo corrections of each of `typos` that nothing else stands
 * for, so a query with a typo needs no statement of its own for them (one search in three of the
 * benchmark's log). Each such lookup is in `corrections` (no entry: not looked up, ask
 * typoCandidates); a word that something stands for costs the statement one index probe.
 */
export async function frequenciesAndCompletions(
  db: Executor,
  terms: readonly string[],
  prefixes: readonly string[],
  { oneStatement, typos = [] }: { oneStatement: boolean; typos?: readonly TypoCheck[] },
): Promise<{
  dfs: Map<string, number>;
  completions: Map<string, { term: string; df: number }[]>;
  corrections: Map<string, { term: string; df: number }[]>;
}> {
  const dfs = new Map<string, number>();
  const completions = new Map<string, { term: string; df: number }[]>();
  const corrections = new Map<string, { term: string; df: number }[]>();
  const checked = typos.filter((c) => c.word.length >= MIN_FUZZY_LENGTH);
  if (!oneStatement || !terms.length || (!prefixes.length && !checked.length)) {
    for (const p of prefixes) completions.set(p, await prefixCompletions(db, p));
    return { dfs: await documentFrequencies(db, terms), completions, corrections };
  }
  // Each row says which lookup it answers: -1 the frequencies, i the completions of prefixes[i],
  // prefixes.length + j the corrections of checked[j] (one row with no term: looked up, none found).
  let query = db
    .selectFrom('kb_terms')
    .select(['term', 'df', sql.lit(-1).as('lookup')])
    .where(oneOf(db, 'term', terms));
  prefixes.forEach((p, i) => {
    query = query.unionAll(
      db.selectFrom(completionRange(db, p, pastPrefix(p), COMPLETION_SCAN).as('c')).select(['c.term', 'c.df', sql.lit(i).as('lookup')]),
    );
  });
  checked.forEach((check, j) => {
    query = query.unionAll(typoBranch(db, check, prefixes.length + j));
  });
  const rows = await query.execute();
  const ranges = prefixes.map(() => [] as { term: string; df: number }[]);
  const found = checked.map(() => null as { term: string; df: number }[] | null);
  for (const r of rows) {
    const lookup = Number(r.lookup);
    if (lookup < 0) dfs.set(r.term, Number(r.df));
    else if (lookup < prefixes.length) ranges[lookup]!.push({ term: r.term, df: Number(r.df) });
    else {
      const list = (found[lookup - prefixes.length] ??= []);
      if (r.term !== null) list.push({ term: r.term, df: Number(r.df) });
    }
  }
  prefixes.forEach((p, i) => completions.set(p, mostCommon(ranges[i]!, COMPLETIONS)));
  checked.forEach((check, j) => {
    const list = found[j];
    if (list) corrections.set(check.word, closestTypos(check.word, list, TYPO_CHOICES));
  });
  return { dfs, completions, corrections };
}

/**
 * The typo lookup of `check` as a branch of frequenciesAndCompletions' statement, run only when no
 * word of the vocabulary stands for it (the rule expandTerms applies), answering `lookup`: its
 * rows, or one with a null term when there are none.
 */
function typoBranch(db: Executor, check: TypoCheck, lookup: number) {
  const standsFor = [sql`term = ${check.word}`];
  if (check.stem && check.stem !== check.word) standsFor.push(sql`term = ${check.stem}`);
  if (check.completes) standsFor.push(sql`(term > ${check.word} AND term < ${pastPrefix(check.word)})`);
  return sql<{ term: string; df: number; lookup: number }>`
    SELECT c.term, c.df, ${sql.lit(lookup)} AS lookup
    FROM (SELECT 1) AS one LEFT JOIN ${typoLookup(db, oneOf(db, 'k.key', deletionKeys(check.word))).as('c')} ON 1 = 1
    WHERE NOT EXISTS (SELECT 1 FROM kb_terms WHERE df > 0 AND (${sql.join(standsFor, sql` OR `)}))`;
}
