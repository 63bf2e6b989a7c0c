import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupSqlite, restoreSqlite } from '../../server/backup.js';
import { migrateToLatest, openDatabase } from '../../server/db/database.js';
import { seedDemoDirectory } from '../../server/demo/seed.js';

describe('backup and restore of the embedded database', () => {
  it('backs up while the portal is writing, and the restore brings the data back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-backup-'));
    const file = path.join(dir, 'portal.sqlite');
    const live = openDatabase({ kind: 'sqlite', file });
    await migrateToLatest(live.db);
    await seedDemoDirectory(live.db);

    // Keep writing during the backup, as a serving portal would.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await live.db
          .insertInto('audit_events')
          .values({
            at: i,
            actor: 'test',
            subject: null,
            action: 'test.write',
            result: 'success',
            ip: null,
            user_agent: null,
            details: null,
          })
          .execute();
        await new Promise((r) => setImmediate(r));
      }
    })();
    const { file: backup } = await backupSqlite(file, path.join(dir, 'backups-dir-does-not-exist', 'copy.sqlite'));
    writing = false;
    await writer;

    const copy = new SQLite(backup, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare('select count(*) n from directory_users').get() as { n: number }).n).toBe(6);
    copy.close();

    await live.db.deleteFrom('directory_group_members').execute();
    await live.db.deleteFrom('directory_users').execute();
    await live.close();

    const { previous } = restoreSqlite(backup, file);
    expect(previous).toBe(`${file}.before-restore`);
    const restored = openDatabase({ kind: 'sqlite', file });
    const people = await restored.db.selectFrom('directory_users').select('username').orderBy('username').execute();
    expect(people.map((p) => p.username)).toEqual(['adam', 'alice', 'bob', 'hana', 'mark', 'ruth']);
    await restored.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to restore a file that is not a healthy database, and changes nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-backup-'));
    const bogus = path.join(dir, 'bogus.sqlite');
    fs.writeFileSync(bogus, 'this is not a database');
    const target = path.join(dir, 'portal.sqlite');
    fs.writeFileSync(target, 'original');
    expect(() => restoreSqlite(bogus, target)).toThrow();
    expect(fs.readFileSync(target, 'utf8')).toBe('original');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
