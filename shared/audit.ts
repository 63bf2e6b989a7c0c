/**
 * What `GET /api/admin/audit/verify` and `audit verify` report about the audit trail's hash chain.
 *
 * - `changed`: the row's content no longer matches its hash.
 * - `removed`: rows `id`…`lastId` are gone (the chain skips over them).
 * - `relinked`: the row no longer links to the row before it, though no id is missing: one of
 *   the two was rewritten with a recomputed hash.
 * - `unchained`: the row has no hash: it was written outside the portal.
 * - `head_missing`: the record of the newest row is gone, so removals at the end cannot be checked.
 */
export type AuditChainProblem = 'changed' | 'removed' | 'relinked' | 'unchained' | 'head_missing';

export interface AuditChainBreak {
  /** The first row that was changed or removed; null only for `head_missing`. */
  id: number | null;
  /** For `removed`: the last of the consecutive missing ids (equal to `id` when one row is gone). */
  lastId: number | null;
  problem: AuditChainProblem;
}

export type AuditChainStatus =
  /** `rows`: how many rows were checked. */
  { intact: true; rows: number } | { intact: false; rows: number; break: AuditChainBreak };
