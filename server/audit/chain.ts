import { createHash } from 'node:crypto';

/**
 * The audit trail's hash chain. Each row's hash is SHA-256 over the previous row's hash and the
 * row's own canonical content, so changing or removing any row breaks every link after it.
 *
 * The canonical form is a JSON array in a fixed field order (id, at, actor, subject, action,
 * result, ip, user_agent, details, prev_hash) with explicit nulls and integers written as plain
 * decimals. JSON gives one unambiguous escaping of strings; the same row read from SQLite or
 * PostgreSQL serialises to the same bytes. The migration that chained the existing rows carries a
 * frozen copy of this function; a test keeps the two in step.
 */

/** The prev_hash of the first row: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a row that the hash covers (everything but the hash itself). */
export interface ChainedContent {
  id: number;
  at: number;
  actor: string | null;
  subject: string | null;
  action: string;
  result: string;
  ip: string | null;
  user_agent: string | null;
  details: string | null;
  prev_hash: string;
}

/** Integers as decimal digits, whatever the driver handed back (number, bigint or numeric string). */
function integer(value: number | bigint | string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${String(value)}`);
  return n;
}

export function canonicalAuditContent(row: ChainedContent): string {
  return JSON.stringify([
    integer(row.id),
    integer(row.at),
    row.actor ?? null,
    row.subject ?? null,
    row.action,
    row.result,
    row.ip ?? null,
    row.user_agent ?? null,
    row.details ?? null,
    row.prev_hash,
  ]);
}

/** SHA-256 (hex) of the row's canonical content, which ends with the previous row's hash. */
export function auditRowHash(row: ChainedContent): string {
  return createHash('sha256').update(canonicalAuditContent(row), 'utf8').digest('hex');
}
