import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../server/db/database.js';
import { migrations } from '../../server/db/migrations/index.js';
import { availableDialects, createEmptyPostgresDatabase } from '../harness/db.js';

/**
 * Several portal processes start together after an upgrade (a rolling restart, or a service
 * manager starting every instance at once), and each runs the migrations at start. On
 * PostgreSQL they must queue behind one lock: each migration applied exactly once, every
 * process starting successfully. (SQLite is one process's database, so it has no such race.)
 */
describe.skipIf(!availableDialects().includes('postgres'))('migrations started by several processes at once (postgres)', () => {
  const opened: DatabaseHandle[] = [];
  let drop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((handle) => handle.close()));
    await drop?.();
    drop = null;
  });

  it('succeed from 3 concurrent connections on a fresh database and migrate the schema once', async () => {
    const fresh = (await createEmptyPostgresDatabase())!;
    drop = fresh.drop;
    // Separate pools, as separate processes would have.
    for (let i = 0; i < 3; i++) opened.push(openDatabase({ kind: 'postgres', url: fresh.url }));

    const applied = await Promise.all(opened.map((handle) => migrateToLatest(handle.db)));

    const names = Object.keys(migrations);
    // Between them the three applied every migration exactly once; the others found nothing to do.
    expect(applied.flat().sort()).toEqual([...names].sort());
    expect(applied.filter((list) => list.length > 0)).toHaveLength(1);
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(opened[0]!.db);
    expect(recorded.rows.map((r) => r.name)).toEqual([...names].sort());
    // The schema is usable: a table from the first migration answers.
    const tables = await opened[0]!.db.introspection.getTables();
    expect(tables.map((t) => t.name)).toContain('audit_events');
    // And a later start is a no-op.
    expect(await migrateToLatest(opened[1]!.db)).toEqual([]);
  });
});
