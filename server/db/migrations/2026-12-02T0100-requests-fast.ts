import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

// Asset text search without a scan. The help desk's search box matches its text anywhere in an
// asset's tag, serial, location or holder (and its model's name): LIKE '%text%', which no b-tree
// index serves, so every search read all 100k assets (about a second at the 99th percentile).
// Both dialects get a trigram index, which finds substrings of three characters or more:
// - SQLite: an FTS5 table with the trigram tokenizer over those four columns, kept by triggers
//   (external content: the text is not stored twice);
// - PostgreSQL: pg_trgm GIN indexes on the same four columns, lower-cased as the query compares them.
// Shorter text still scans (no trigram to look up). The model's name needs no index: models are few.

const COLUMNS = 'tag_lower, serial_lower, location, assigned_to';
const NEW = 'new.id, new.tag_lower, new.serial_lower, new.location, new.assigned_to';
const OLD = 'old.id, old.tag_lower, old.serial_lower, old.location, old.assigned_to';

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    // A trusted extension since PostgreSQL 13: the database's owner may create it.
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create index inventory_assets_tag_trgm on inventory_assets using gin (tag_lower gin_trgm_ops)`.execute(db);
    await sql`create index inventory_assets_serial_trgm on inventory_assets using gin (serial_lower gin_trgm_ops)`.execute(db);
    await sql`create index inventory_assets_location_trgm on inventory_assets using gin (lower(location) gin_trgm_ops)`.execute(db);
    await sql`create index inventory_assets_holder_trgm on inventory_assets using gin (lower(assigned_to) gin_trgm_ops)`.execute(db);
    return;
  }
  await sql
    .raw(
      `create virtual table inventory_assets_search using fts5(${COLUMNS}, content='inventory_assets', content_rowid='id', tokenize='trigram')`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger inventory_assets_search_insert after insert on inventory_assets begin
    insert into inventory_assets_search(rowid, ${COLUMNS}) values (${NEW});
  end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger inventory_assets_search_delete after delete on inventory_assets begin
    insert into inventory_assets_search(inventory_assets_search, rowid, ${COLUMNS}) values ('delete', ${OLD});
  end`,
    )
    .execute(db);
  // Only when a searched column changes: a reservation or a status change touches no index entry.
  await sql
    .raw(
      `create trigger inventory_assets_search_update after update of ${COLUMNS} on inventory_assets begin
    insert into inventory_assets_search(inventory_assets_search, rowid, ${COLUMNS}) values ('delete', ${OLD});
    insert into inventory_assets_search(rowid, ${COLUMNS}) values (${NEW});
  end`,
    )
    .execute(db);
  await sql`insert into inventory_assets_search(inventory_assets_search) values ('rebuild')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const index of [
      'inventory_assets_tag_trgm',
      'inventory_assets_serial_trgm',
      'inventory_assets_location_trgm',
      'inventory_assets_holder_trgm',
    ]) {
      await sql`drop index if exists ${sql.id(index)}`.execute(db);
    }
    return;
  }
  for (const trigger of ['inventory_assets_search_insert', 'inventory_assets_search_delete', 'inventory_assets_search_update']) {
    await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
  }
  await sql`drop table if exists inventory_assets_search`.execute(db);
}
