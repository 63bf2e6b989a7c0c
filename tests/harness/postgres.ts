import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export interface PostgresHandle {
  /** A server-level URL (database `postgres`); tests create their own databases on it. */
  url: string;
  /** The same server through its Unix socket (how a portal on the database's own machine connects). */
  socketUrl?: string;
  /**
   * Pins the server's processes to `cpus` (taskset's list, "1" or "1-3"): those running now and,
   * through the postmaster's own affinity, every backend it starts later. False where taskset is
   * missing or refuses.
   */
  pinTo?(cpus: string): boolean;
  stop(): Promise<void>;
}

function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest ? path.join(root, newest, 'bin') : null;
}

/**
 * Starts a throwaway PostgreSQL on a free loopback port (initdb into a temp dir, fsync off).
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
 */
export async function startPostgres(): Promise<PostgresHandle> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args;
    const result = spawnSync(asRoot ? 'runuser' : path.join(bin, cmd), full, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const port = await freePort();
  run('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'portal', '--no-sync']);
  run('pg_ctl', [
    '-D',
    path.join(dir, 'data'),
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    'start',
  ]);
  const pinTo = (cpus: string) => {
    // The postmaster's pid is the first line of postmaster.pid; its children are the background
    // processes (checkpointer, autovacuum launcher, ...) and any connection's backend.
    const postmaster = fs
      .readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8')
      .split('\n')[0]!
      .trim();
    const children = spawnSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    return [postmaster, ...children].every((pid) => spawnSync('taskset', ['-a', '-p', '-c', cpus, pid], { stdio: 'ignore' }).status === 0);
  };
  return {
    url: `postgres://portal@127.0.0.1:${port}/postgres`,
    pinTo,
    socketUrl: `postgres://portal@localhost/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
