/** A slice size for rows of a few columns (or lists of ids), far below either cap below. */
export const ROWS_PER_STATEMENT = 400;

/**
 * A list in consecutive slices of at most `size`, for statements over many rows or ids: SQLite
 * and PostgreSQL cap the bound parameters of one statement (32,766 and 65,535), so a row's
 * parameter count sets how many rows a slice may hold.
 */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
