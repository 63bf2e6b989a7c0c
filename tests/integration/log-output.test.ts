import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The logger writes stdout in chunks, asynchronously (server/platform/logger.ts): these check
 * what that must not cost. Nothing logged is lost when the process exits or dies of an uncaught
 * exception, and a line logged on a quiet server does not wait for the next ones.
 */
const WRITER = path.resolve('tests/harness/log-writer.ts');

const parsed = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { n: number; msg: string });

/** Runs the writer to its end: it logs `lines` lines, then exits or throws as `mode` says. */
const runWriter = (mode: 'exit' | 'uncaught', lines: number) =>
  spawnSync(process.execPath, ['--import', 'tsx', WRITER, mode], {
    env: { ...process.env, LINES: String(lines) },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('log lines on stdout', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('are all written, in order, when the process exits right after logging them', () => {
    // 2,000 lines: many chunks, the last of them still buffered at exit.
    const result = runWriter('exit', 2000);
    expect(result.status).toBe(0);
    expect(parsed(result.stdout).map((l) => l.n)).toEqual(Array.from({ length: 2000 }, (_, n) => n));
  });

  it('are all written when the process dies of an uncaught exception', () => {
    const result = runWriter('uncaught', 20);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('boom after logging');
    expect(parsed(result.stdout).map((l) => l.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('reach stdout while the process runs on, without waiting for more lines to fill a chunk', { timeout: 20_000 }, async () => {
    // Node itself rather than the tsx wrapper, so that killing it ends the process that logs.
    child = spawn(process.execPath, ['--import', 'tsx', WRITER, 'idle'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const seen = new Promise<void>((resolve) =>
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('"msg":"waiting"')) resolve();
      }),
    );
    const exited = new Promise<void>((_, reject) => child!.on('exit', () => reject(new Error(`exited first; stdout: ${output}`))));
    const late = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('not written within 10 s')), 10_000).unref());
    await Promise.race([seen, exited, late]);
    expect(child.exitCode).toBeNull();
  });
});
