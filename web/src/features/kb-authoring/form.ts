import { kbArticleInputSchema } from '../../../../shared/kb';
import type { KbArticleInput } from '../kb/types';

/** Tags as typed: comma- or 、-separated (Chinese keyboards), trimmed, without repeats. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/[,，、]/)) {
    const tag = raw.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** Field names the editor shows problems beside; anything else is shown under the form. */
const FIELDS = ['title', 'body', 'locale', 'category', 'tags', 'status', 'slug', 'translationOf', 'reviewBy', 'owner'] as const;

/**
 * The same schema the server validates with (shared/kb.ts), checked before sending: field → the
 * message key to show (translated by the caller), or the schema's own English message.
 */
export function articleProblems(input: KbArticleInput, t: (key: string) => string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!input.title.trim()) problems.title = t('kbAuthor.titleRequired');
  if (!input.body.trim()) problems.body = t('kbAuthor.bodyRequired');
  const parsed = kbArticleInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (!(FIELDS as readonly string[]).includes(field) || problems[field]) continue;
      problems[field] = t(`kbAuthor.problems.${field}`);
    }
  }
  return problems;
}
