import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type SQLite from 'better-sqlite3';
import { findAppRoot } from '../../../platform/app-root.js';

/**
 * The SQLite extension that gives the knowledge-base search `kb_bm25`, bm25() with the IDFs
 * passed in (see kb_rank.c): compiled from C by `npm run build` when the machine has a C
 * compiler, loaded into each SQLite connection the portal opens. Without it the search ranks with
 * bm25() itself: the same answers, slower (the body pass at 100k articles: about half its time
 * goes to counting each term's rows).
 */

const SUFFIX = process.platform === 'darwin' ? '.dylib' : process.platform === 'win32' ? '.dll' : '.so';

/** Where `npm run build` puts the compiled extension, and where connections load it from. */
export function rankExtensionFile(root = findAppRoot()): string {
  return path.join(root, 'dist', 'native', `kb_rank${SUFFIX}`);
}

export type RankExtensionBuild = { built: true; file: string } | { built: false; reason: string };

/**
 * Compiles kb_rank.c against the SQLite headers of the installed better-sqlite3 (the library the
 * extension will be loaded into). CC names the compiler (default `cc`). Never throws: a machine
 * without a compiler runs the portal with bm25() (the reason says why it was not built).
 */
export function buildRankExtension(root = findAppRoot(), out = rankExtensionFile(root)): RankExtensionBuild {
  const source = path.join(root, 'server', 'kb', 'search', 'native', 'kb_rank.c');
  let headers: string;
  try {
    const driver = path.dirname(createRequire(path.join(root, 'package.json')).resolve('better-sqlite3/package.json'));
    headers = path.join(driver, 'deps', 'sqlite3');
    if (!fs.existsSync(path.join(headers, 'sqlite3ext.h'))) return { built: false, reason: `no sqlite3ext.h in ${headers}` };
  } catch (error) {
    return { built: false, reason: `better-sqlite3 is not installed (${(error as Error).message})` };
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const compiler = process.env.CC || 'cc';
  const platformFlags = process.platform === 'darwin' ? ['-dynamiclib'] : ['-shared', '-fPIC'];
  const result = spawnSync(compiler, ['-O2', ...platformFlags, '-I', headers, '-o', out, source], { encoding: 'utf8' });
  if (result.error) return { built: false, reason: `${compiler} could not be run (${result.error.message})` };
  if (result.status !== 0) return { built: false, reason: `${compiler} failed: ${(result.stderr || result.stdout).trim()}` };
  return { built: true, file: out };
}

export type RankExtensionLoad = { loaded: true } | { loaded: false; reason: string };

/** Loads the compiled extension into `connection`; says why not when it cannot (not built, or built for another SQLite). */
export function loadRankExtension(connection: SQLite.Database, file = rankExtensionFile()): RankExtensionLoad {
  if (!fs.existsSync(file)) return { loaded: false, reason: `${file} is not built (npm run build compiles it; it needs a C compiler)` };
  try {
    // SQLite finds the entry point by the file's name: kb_rank → sqlite3_kbrank_init.
    connection.loadExtension(file);
    return { loaded: true };
  } catch (error) {
    return { loaded: false, reason: `${file} did not load: ${(error as Error).message}` };
  }
}
