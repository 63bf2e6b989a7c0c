import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createPrivateFile, ensurePrivateDir, restrictToOwner } from './platform/private-files.js';

/**
 * Copies the live SQLite database with SQLite's online backup API: consistent even while the
 * portal is serving and writing (WAL), unlike copying the file.
 */
export async function backupSqlite(sourceFile: string, destination: string): Promise<{ file: string; pages: number }> {
  if (!fs.existsSync(sourceFile)) throw new Error(`No database at ${sourceFile}. Is PORTAL_DATA_DIR right?`);
  const target =
    fs.existsSync(destination) && fs.statSync(destination).isDirectory()
      ? path.join(destination, `portal-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`)
      : destination;
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose another name.`);
  // A backup holds everything the database does: private directory, file created 0600 before
  // SQLite writes into it (SQLite itself would create it 0644).
  ensurePrivateDir(path.dirname(path.resolve(target)));
  createPrivateFile(target);
  const db = new SQLite(sourceFile, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // After the first step, copy every remaining page in one step: a step reads one consistent
    // snapshot, while many small steps start over whenever the serving portal writes in between,
    // which on a busy portal (or a larger database) never finishes.
    const result = await db.backup(target, { progress: () => 1_000_000_000 });
    return { file: target, pages: result.totalPages };
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place of the database. Run it with the portal stopped: it checks the backup's
 * integrity first, keeps the current file beside it as `.before-restore`, and drops stale WAL files.
 */
export function restoreSqlite(backupFile: string, databaseFile: string): { previous: string | null } {
  const check = new SQLite(backupFile, { readonly: true, fileMustExist: true });
  try {
    const verdict = check.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`${backupFile} failed the integrity check: ${String(verdict)}`);
  } finally {
    check.close();
  }
  ensurePrivateDir(path.dirname(databaseFile));
  let previous: string | null = null;
  if (fs.existsSync(databaseFile)) {
    previous = `${databaseFile}.before-restore`;
    fs.renameSync(databaseFile, previous);
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(databaseFile + suffix, { force: true });
  fs.copyFileSync(backupFile, databaseFile);
  restrictToOwner(databaseFile);
  return { previous };
}
