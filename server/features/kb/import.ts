import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  kbCategorySchema,
  kbLocaleSchema,
  kbSlugSchema,
  kbStatusSchema,
  kbTagSchema,
  KB_BODY_MAX,
  KB_TITLE_MAX,
  slugify,
} from '../../../shared/kb.js';
import { withTransaction } from '../../db/transaction.js';
import { type IndexableArticle, reindex } from '../../kb/search/index.js';
import * as repo from './repository.js';
import type { KbDeps } from './service.js';

/**
 * `portal kb import FILE.jsonl`: one article a line, idempotent by slug (a line without a slug
 * gets one derived from its language and title, the same every run), in batched transactions so
 * a 100k-article file takes minutes and a failure loses at most one batch.
 */

/** One line of an import file. Status defaults to published: an import brings in a working base. */
export const kbImportLineSchema = z.strictObject({
  title: z.string().trim().min(1).max(KB_TITLE_MAX),
  body: z.string().max(KB_BODY_MAX),
  locale: kbLocaleSchema,
  category: kbCategorySchema.nullable().optional(),
  tags: z.array(kbTagSchema).max(20).optional(),
  status: kbStatusSchema.default('published'),
  slug: kbSlugSchema.optional(),
  owner: z.string().trim().min(1).max(256).optional(),
  reviewBy: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable()
    .optional(),
});
export type KbImportLine = z.output<typeof kbImportLineSchema>;

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; message: string }[];
}

export const IMPORT_BATCH = 500;

/** The slug a line is stored under: its own, or one derived from title (and a hash when the title has no ASCII words). */
export function importSlug(line: KbImportLine): string {
  if (line.slug) return line.slug;
  const base = slugify(line.title);
  const hash = createHash('sha256').update(`${line.locale}\n${line.title}`).digest('hex').slice(0, 8);
  // The language keeps translations with one ASCII title apart; the hash keeps Chinese titles apart.
  return base ? (line.locale === 'en' ? base : `${base}-${line.locale.toLowerCase()}`) : `kb-${hash}`;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ');
}

function indexable(row: repo.ArticleRow): IndexableArticle {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: JSON.parse(row.tags) as string[],
    locale: row.locale,
    category: row.category,
  };
}

/**
 * Imports lines (text, numbered from 1). `onProgress(done)` after each batch. Only a line's own
 * mistakes are reported against it; the others import.
 */
export async function importArticles(
  deps: KbDeps,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { actor: string; onProgress?: (linesDone: number, summary: ImportSummary) => void },
): Promise<ImportSummary> {
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, errors: [] };
  let batch: { line: number; input: KbImportLine; slug: string }[] = [];
  let lineNo = 0;
  const flush = async () => {
    if (!batch.length) return;
    await importBatch(deps, batch, options.actor, summary);
    batch = [];
    options.onProgress?.(lineNo, summary);
  };
  for await (const raw of lines) {
    lineNo++;
    if (!raw.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      summary.errors.push({ line: lineNo, message: 'not valid JSON' });
      continue;
    }
    const parsed = kbImportLineSchema.safeParse(json);
    if (!parsed.success) {
      summary.errors.push({ line: lineNo, message: describe(parsed.error) });
      continue;
    }
    batch.push({ line: lineNo, input: parsed.data, slug: importSlug(parsed.data) });
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  if (summary.created + summary.updated >= COMPACT_AFTER) await deps.engine.compact(deps.db);
  return summary;
}

/** Imports that change at least this many articles compact the search index afterwards. */
const COMPACT_AFTER = 1000;

async function importBatch(
  deps: KbDeps,
  batch: { line: number; input: KbImportLine; slug: string }[],
  actor: string,
  summary: ImportSummary,
) {
  const now = deps.clock.now();
  // A slug twice in one batch: the later line wins, as it would in a later batch.
  const bySlug = new Map(batch.map((b) => [b.slug, b]));
  const counts = await withTransaction(deps.db, async (trx) => {
    const existing = new Map((await repo.findArticlesBySlugs(trx, [...bySlug.keys()])).map((r) => [r.slug, r]));
    const before: IndexableArticle[] = [];
    const after: IndexableArticle[] = [];
    const fresh: repo.NewArticle[] = [];
    let created = 0;
    let updated = 0;
    let unchanged = batch.length - bySlug.size;
    for (const { input, slug } of bySlug.values()) {
      const old = existing.get(slug);
      const published = input.status === 'published';
      const fields = {
        title: input.title,
        body: input.body,
        locale: input.locale,
        category: input.category ?? null,
        tags: JSON.stringify(input.tags ?? []),
        status: input.status,
        owner: input.owner ?? old?.owner ?? actor,
        review_by: input.reviewBy === undefined ? (old?.review_by ?? null) : input.reviewBy,
      };
      if (old) {
        const same = (Object.keys(fields) as (keyof typeof fields)[]).every((k) => old[k] === fields[k]);
        if (same) {
          unchanged++;
          continue;
        }
        await repo.updateArticleRow(trx, old.id, {
          ...fields,
          published_at: published ? (old.published_at ?? now) : old.published_at,
          last_reviewed_at: published ? now : old.last_reviewed_at,
          updated_at: now,
          version: old.version + 1,
          change_seq: await repo.nextChangeSeq(trx),
        });
        const row = (await repo.findArticleById(trx, old.id))!;
        await repo.insertVersion(trx, row, actor, now);
        if (old.status === 'published') before.push(indexable(old));
        if (published) after.push(indexable(row));
        updated++;
      } else {
        fresh.push({
          ...fields,
          slug,
          translation_group: 0,
          published_at: published ? now : null,
          last_reviewed_at: published ? now : null,
          created_at: now,
          updated_at: now,
          version: 1,
          change_seq: 0,
        });
      }
    }
    if (fresh.length) {
      const first = await repo.reserveChangeSeqs(trx, fresh.length);
      fresh.forEach((a, i) => (a.change_seq = first + i));
      for (const row of await repo.insertArticlesInBulk(trx, fresh, actor, now)) {
        if (row.status === 'published') after.push(indexable(row));
      }
      created = fresh.length;
    }
    await reindex(deps.engine, trx, before, after);
    if (created || updated) {
      await deps.audit.record(
        { action: 'kb.import', actor, result: 'success', details: { created, updated, lines: [batch[0]!.line, batch.at(-1)!.line] } },
        trx,
      );
    }
    return { created, updated, unchanged };
  });
  if (counts.created || counts.updated) deps.changes?.changed();
  summary.created += counts.created;
  summary.updated += counts.updated;
  summary.unchanged += counts.unchanged;
}
