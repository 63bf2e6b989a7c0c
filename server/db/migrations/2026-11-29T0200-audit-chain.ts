import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// Hash-chains the audit trail: every row stores the previous row's hash and its own, and a
// one-row head remembers the newest row so removing rows at the end is noticed too. Rows already
// written are chained here in id order.
//
// Frozen like every migration: this is a copy of the canonical form in server/audit/chain.ts as
// it was when written (a test checks that both give the same hashes), never an import of it.

const GENESIS_HASH = '0'.repeat(64);

function integer(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${String(value)}`);
  return n;
}

function rowHash(row: Record<string, unknown>, prevHash: string): string {
  const canonical = JSON.stringify([
    integer(row.id),
    integer(row.at),
    row.actor ?? null,
    row.subject ?? null,
    row.action,
    row.result,
    row.ip ?? null,
    row.user_agent ?? null,
    row.details ?? null,
    prevHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('prev_hash', 'varchar(64)').execute();
  await db.schema.alterTable('audit_events').addColumn('hash', 'varchar(64)').execute();
  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'integer', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .execute();

  let prevHash = GENESIS_HASH;
  let lastId = 0;
  for (;;) {
    const page = await db.selectFrom('audit_events').selectAll().where('id', '>', lastId).orderBy('id').limit(500).execute();
    if (page.length === 0) break;
    for (const row of page) {
      const hash = rowHash(row, prevHash);
      await db.updateTable('audit_events').set({ prev_hash: prevHash, hash }).where('id', '=', row.id).execute();
      prevHash = hash;
      lastId = integer(row.id);
    }
  }
  await db.insertInto('audit_chain_head').values({ id: 1, last_id: lastId, hash: prevHash }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_chain_head').execute();
  await db.schema.alterTable('audit_events').dropColumn('hash').execute();
  await db.schema.alterTable('audit_events').dropColumn('prev_hash').execute();
}
