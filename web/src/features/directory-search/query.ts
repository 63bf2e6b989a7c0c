/*
 * The rules of `userSearchQuerySchema` in shared/people.ts, written out so staff pages do not
 * pull zod into the bundle; the server validates with the schema itself.
 */
const MIN_QUERY = 2;
const MAX_QUERY = 100;

/** The trimmed query, or null when it is too short (or absurdly long) to send. */
export function searchQueryOf(text: string): string | null {
  const query = text.trim();
  return query.length >= MIN_QUERY && query.length <= MAX_QUERY ? query : null;
}
