import type { ArticleInput } from '../kb/types';

/** Tags as typed: comma- or 、-separated (Chinese keyboards), trimmed, without repeats. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/[,，、]/)) {
    const tag = raw.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/**
 * The checks an author can fix before saving, in their language. The server validates the same
 * body again and its field errors are shown the same way.
 */
export function articleProblems(input: ArticleInput, t: (key: string) => string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!input.title) problems.title = t('kbAuthor.titleRequired');
  if (!input.body.trim()) problems.body = t('kbAuthor.bodyRequired');
  if (input.reviewBy && Number.isNaN(Date.parse(input.reviewBy))) problems.reviewBy = t('kbAuthor.reviewByInvalid');
  return problems;
}
