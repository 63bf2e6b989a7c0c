import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const WORKER = path.resolve('tests/harness/job-worker.ts');

/** Starts tests/harness/job-worker.ts as its own process on a PostgreSQL database; resolves once it runs. */
export function startJobWorker(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, DATABASE_URL: databaseUrl, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`job worker exited early (${code})`)));
  });
}

/** SIGTERM (a graceful stop) and wait for the exit; nothing to do when it already exited. */
export function stopJobWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
