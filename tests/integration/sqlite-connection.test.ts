import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { type DatabaseHandle, openDatabase } from '../../server/db/database.js';

/** How the server's SQLite connection is set up, seen in what it does to the files. */
describe("the server's SQLite connection", () => {
  let dir: string;
  let handle: DatabaseHandle | null = null;

  afterEach(async () => {
    await handle?.close();
    handle = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /*
   * WAL checkpoints run on a thread of their own (a checkpoint inside a commit stalls every request
   * behind it). What lands in the database file itself, without its -wal beside it, shows whether
   * a checkpoint ran.
   */
  describe('checkpoints on their own thread', () => {
    /** Rows of `probe` in a copy of the main database file alone (what a checkpoint has written back). */
    function rowsInMainFile(file: string): number {
      const copy = path.join(dir, `copy-${Date.now()}.sqlite`);
      fs.copyFileSync(file, copy);
      const db = new SQLite(copy);
      try {
        const exists = db.prepare("select count(*) as n from sqlite_master where name = 'probe'").get() as { n: number };
        return exists.n ? (db.prepare('select count(*) as n from probe').get() as { n: number }).n : 0;
      } finally {
        db.close();
      }
    }

    async function writeRows(h: DatabaseHandle, n: number): Promise<void> {
      await sql`create table if not exists probe (id integer primary key, body text not null)`.execute(h.db);
      // Separate commits, as requests make them; well under the backstop, so only the thread checkpoints.
      for (let i = 0; i < n; i++) await sql`insert into probe (body) values (${'x'.repeat(200)})`.execute(h.db);
    }

    it('writes committed pages back to the database file within about a second, outside the commits', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-checkpoint-'));
      const file = path.join(dir, 'portal.sqlite');
      handle = openDatabase({ kind: 'sqlite', file }, { backgroundCheckpoints: true });
      // The connection itself only checkpoints as a backstop, far beyond SQLite's default 1000 pages.
      expect(handle.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
      await writeRows(handle, 300);
      const deadline = Date.now() + 5000;
      while (rowsInMainFile(file) < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(rowsInMainFile(file)).toBe(300);
    });

    it('without the thread (short commands, tests) SQLite checkpoints in its commits as before', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-checkpoint-'));
      const file = path.join(dir, 'portal.sqlite');
      handle = openDatabase({ kind: 'sqlite', file });
      expect(handle.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      await writeRows(handle, 50);
      await new Promise((r) => setTimeout(r, 1500));
      // 50 small commits stay in the log: nothing checkpointed them behind the connection's back.
      expect(rowsInMainFile(file)).toBe(0);
    });
  });

  /*
   * Reads go through a memory map (SQLITE_MMAP_MB): whether the file is mapped into this process
   * is what the kernel lists in /proc/self/maps (Linux, where the portal and its CI run).
   */
  describe('reads through a memory map', () => {
    async function openAndRead(env: Record<string, string>): Promise<string> {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-mmap-'));
      const config = loadConfig({ PORTAL_DATA_DIR: dir, ...env });
      // Written by one connection and read by the next: pages a connection wrote itself are read
      // from its cache, and closing the last connection copies the log into the file.
      const writer = openDatabase(config.database);
      await sql`create table probe (id integer primary key, body text not null)`.execute(writer.db);
      await sql`insert into probe (body) values (${'x'.repeat(5000)})`.execute(writer.db);
      await writer.close();
      handle = openDatabase(config.database);
      const rows = await sql<{ n: number }>`select count(*) as n from probe`.execute(handle.db);
      expect(rows.rows[0]!.n).toBe(1);
      return path.join(dir, 'portal.sqlite');
    }

    const mapped = (file: string) =>
      fs
        .readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .some((line) => line.endsWith(` ${file}`));

    it.runIf(process.platform === 'linux')('maps the database file by default', async () => {
      const file = await openAndRead({});
      expect(handle!.sqlite!.pragma('mmap_size', { simple: true })).toBe(1024 * 1024 * 1024);
      expect(mapped(file)).toBe(true);
    });

    it.runIf(process.platform === 'linux')('reads it with read() when SQLITE_MMAP_MB=0', async () => {
      const file = await openAndRead({ SQLITE_MMAP_MB: '0' });
      expect(handle!.sqlite!.pragma('mmap_size', { simple: true })).toBe(0);
      expect(mapped(file)).toBe(false);
    });
  });
});
