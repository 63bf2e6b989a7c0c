import type { Kysely } from 'kysely';
import type { AuditChainBreak, AuditChainStatus } from '../../shared/audit.js';
import type { Database } from '../db/schema.js';
import { auditRowHash, GENESIS_HASH } from './chain.js';
import { findAuditChainHead, listAuditChainPage } from './repository.js';

const PAGE = 1000;

/**
 * Walks the whole chain in id order and reports the first place it breaks. Rows appended while
 * it runs are checked too: they only ever extend the chain past the head read at the start.
 */
export async function verifyAuditChain(db: Kysely<Database>): Promise<AuditChainStatus> {
  const head = await findAuditChainHead(db);
  let rows = 0;
  const broken = (found: AuditChainBreak): AuditChainStatus => ({ intact: false, rows, break: found });
  if (!head) return broken({ id: null, lastId: null, problem: 'head_missing' });

  let previous: { id: number; hash: string } | null = null;
  let headSeen = head.lastId === 0;
  for (;;) {
    const page = await listAuditChainPage(db, previous?.id ?? 0, PAGE);
    if (page.length === 0) break;
    for (const row of page) {
      const id = Number(row.id);
      rows += 1;
      if (row.hash === null || row.prev_hash === null) return broken({ id, lastId: null, problem: 'unchained' });
      if (auditRowHash({ ...row, id, prev_hash: row.prev_hash }) !== row.hash) return broken({ id, lastId: null, problem: 'changed' });
      if (row.prev_hash !== (previous?.hash ?? GENESIS_HASH)) {
        const expectedId = (previous?.id ?? 0) + 1;
        return broken(id > expectedId ? { id: expectedId, lastId: id - 1, problem: 'removed' } : { id, lastId: null, problem: 'relinked' });
      }
      if (id === head.lastId) {
        if (row.hash !== head.hash) return broken({ id, lastId: null, problem: 'relinked' });
        headSeen = true;
      }
      previous = { id, hash: row.hash };
    }
  }
  // The newest rows were deleted: the chain ends before the row the head remembers.
  if (!headSeen) return broken({ id: (previous?.id ?? 0) + 1, lastId: head.lastId, problem: 'removed' });
  return { intact: true, rows };
}

/** One line for people at a terminal or in a log: where the chain breaks and what is wrong. */
export function describeAuditChain(status: AuditChainStatus): string {
  if (status.intact) return `chain intact (${status.rows} rows)`;
  const { id, lastId, problem } = status.break;
  switch (problem) {
    case 'changed':
      return `chain broken at row ${id}: row ${id} was changed (its content no longer matches its hash)`;
    case 'removed':
      return lastId !== null && lastId !== id
        ? `chain broken at row ${id}: rows ${id} to ${lastId} were removed`
        : `chain broken at row ${id}: row ${id} was removed`;
    case 'relinked':
      return `chain broken at row ${id}: row ${id} no longer links to the row before it (one of them was rewritten)`;
    case 'unchained':
      return `chain broken at row ${id}: row ${id} has no hash (it was written outside the portal)`;
    case 'head_missing':
      return 'chain broken: the record of the newest row (audit_chain_head) is missing';
  }
}
