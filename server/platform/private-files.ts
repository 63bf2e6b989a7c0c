import fs from 'node:fs';

// The data directory holds the database, its backups and the portal secret: only the account the
// portal runs as may read them. Modes are set explicitly because the umask (often 022) and
// SQLite's default (0644) would leave them readable by every local account.

/** Creates a directory (and missing parents) as 0700, and takes group/other access away from an existing one. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrict(dir, 0o700);
}

/** Takes group/other access away from a file, if it exists. */
export function restrictToOwner(file: string): void {
  if (fs.existsSync(file)) restrict(file, 0o600);
}

/** Creates an empty file as 0600 unless it exists, then makes sure it is 0600. */
export function createPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  restrict(file, 0o600);
}

function restrict(target: string, mode: number): void {
  const current = fs.statSync(target).mode & 0o777;
  if ((current & 0o077) !== 0) fs.chmodSync(target, current & mode);
}
