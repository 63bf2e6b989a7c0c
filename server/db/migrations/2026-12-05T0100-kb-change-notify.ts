import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

// PostgreSQL: every move of the knowledge base's change counter (kb_meta 'change_seq') is
// announced on the channel 'kb_changes' with the new value, when its transaction commits (and not
// if it rolls back). Each server process listens, so its search caches follow every writer's
// changes, another process's and the import command's included, without reading the counter on
// every search (server/features/kb/changes.ts). A trigger, so no writer can forget it.
// SQLite has no notifications: a process there reads the counter, in-process, on every search.

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    CREATE FUNCTION kb_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('kb_changes', NEW.value::text);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER kb_meta_announce_change AFTER INSERT OR UPDATE ON kb_meta
    FOR EACH ROW WHEN (NEW.name = 'change_seq') EXECUTE FUNCTION kb_announce_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`DROP TRIGGER IF EXISTS kb_meta_announce_change ON kb_meta`.execute(db);
  await sql`DROP FUNCTION IF EXISTS kb_announce_change()`.execute(db);
}
