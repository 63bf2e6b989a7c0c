/**
 * The built-in inventory at 100k assets, on SQLite and PostgreSQL (printed, never asserted):
 * p50/p99 of the catalogue (models with in-stock counts), the help desk's asset list (all, by
 * status, by text), a look-up by tag, one person's devices, and a reservation with its release.
 * `tsx tests/bench/inventory.ts`; BENCH_INVENTORY_ASSETS (100000), BENCH_INVENTORY_RUNS (200).
 * PostgreSQL from BENCH_DATABASE_URL / TEST_DATABASE_URL, else a throwaway one it starts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type DatabaseConfig, migrateToLatest, openDatabase } from '../../server/db/database.js';
import { DEMO_CATALOG } from '../../server/demo/catalog.js';
import { createBuiltinInventory } from '../../server/inventory/builtin.js';
import { recountStock } from '../../server/inventory/builtin-repository.js';
import { startPostgres } from '../harness/postgres.js';
import { summary } from './password.js';

const ASSETS = Number(process.env.BENCH_INVENTORY_ASSETS ?? 100_000);
const RUNS = Number(process.env.BENCH_INVENTORY_RUNS ?? 200);
const STATUSES = ['in_stock', 'in_stock', 'in_stock', 'assigned', 'assigned', 'in_repair', 'retired', 'lost'];

async function measure(run: (i: number) => Promise<unknown>): Promise<ReturnType<typeof summary>> {
  for (let i = 0; i < 10; i++) await run(i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  return summary(samples);
}

async function benchOne(name: string, config: DatabaseConfig): Promise<Record<string, unknown>> {
  const handle = openDatabase(config);
  const { db } = handle;
  try {
    await migrateToLatest(db);
    const now = Date.now();
    const inventory = createBuiltinInventory(db, { clock: { now: () => Date.now() } });
    const modelIds: number[] = [];
    for (const { units: _, ...model } of DEMO_CATALOG) {
      const created = await inventory.createModel({ imageUrl: null, requestable: true, eligibleRoles: [], eligibleDepartments: [], leadTimeDays: null, ...model });
      modelIds.push(Number(created.id));
    }
    const loadStarted = performance.now();
    for (let start = 0; start < ASSETS; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, ASSETS - start) }, (_, k) => {
        const n = start + k + 1;
        const status = STATUSES[n % STATUSES.length]!;
        const tag = `BN-${String(n).padStart(7, '0')}`;
        return {
          tag,
          tag_lower: tag.toLowerCase(),
          serial: `SER${n}`,
          serial_lower: `ser${n}`,
          model_id: modelIds[n % modelIds.length]!,
          status,
          location: `Site ${n % 40}`,
          assigned_to: status === 'assigned' ? `person${n % 5000}` : null,
          reserved_for: null,
          purchase_date: '2025-01-01',
          warranty_end: '2028-01-01',
          notes: '',
          created_at: now,
          updated_at: now,
        };
      });
      await db.insertInto('inventory_assets').values(rows).execute();
    }
    // Rows written around the inventory: its kept in-stock counts are filled as a migration would.
    await recountStock(db);
    // What autovacuum would have done by now on a live server (visibility map for index-only counts).
    if (config.kind === 'postgres') await sql`vacuum analyze`.execute(db);
    const loadSeconds = ((performance.now() - loadStarted) / 1000).toFixed(1);
    const results = {
      'catalogue (14 models + in-stock counts)': await measure(() => inventory.listModels({ limit: 100 })),
      'assets, first page': await measure(() => inventory.listAssets({ limit: 25 })),
      'assets, in repair, page 10': await measure(() => inventory.listAssets({ status: 'in_repair', limit: 25, offset: 250 })),
      'assets, text search': await measure((i) => inventory.listAssets({ query: `ser${1000 + i}`, limit: 25 })),
      'find by tag': await measure((i) => inventory.findAsset({ tag: `BN-${String(1 + ((i * 7919) % ASSETS)).padStart(7, '0')}` })),
      "a person's devices": await measure((i) => inventory.assignedTo(`person${i % 5000}`)),
      'reserve + release': await measure(async (i) => {
        const asset = await inventory.reserve(String(modelIds[i % modelIds.length]), `request:${i}`);
        if (asset) await inventory.release(asset.tag);
      }),
    };
    console.log(`\nBuilt-in inventory on ${name}: ${ASSETS} assets (bulk load ${loadSeconds} s), ${RUNS} runs each, one caller`);
    console.table(results);
    return results;
  } finally {
    await handle.close();
  }
}

export async function benchInventory(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-inventory-'));
  await benchOne('SQLite', { kind: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  fs.rmSync(dir, { recursive: true, force: true });

  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const postgres = given ? { url: given, stop: async () => {} } : await startPostgres();
  const name = `portal_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgres.url, max: 1 }) }) });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    await benchOne('PostgreSQL', { kind: 'postgres', url: url.href });
  } finally {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
    await postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchInventory();
