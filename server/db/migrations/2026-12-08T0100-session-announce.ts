import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

// PostgreSQL: every change to a session row (an end, a touch, a recheck, a re-authentication) is
// announced on the channel 'portal_sessions' with the row's id hash, when its transaction commits.
// Each server process keeps the live sessions it has read in memory and drops one as soon as its
// change is announced (server/sessions/cache.ts): a session ended in any process, by any writer
// (sign-out, a password reset, offboarding, the expiry job, an operator's SQL), stops working in
// every process, without every request reading its session row. A trigger, so no writer can
// forget it. SQLite reads the row in-process on every request and needs none.

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    CREATE FUNCTION sessions_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('portal_sessions', OLD.id_hash);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER sessions_announce_change AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_announce_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`DROP TRIGGER IF EXISTS sessions_announce_change ON sessions`.execute(db);
  await sql`DROP FUNCTION IF EXISTS sessions_announce_change()`.execute(db);
}
