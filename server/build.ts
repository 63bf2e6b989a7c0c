/**
 * Compiles the server for production: server/main.ts and everything it imports from server/ and
 * shared/ become one ES module, dist/server/main.js, that plain `node` runs. Packages stay
 * external (imported from node_modules at run time), so native drivers (better-sqlite3, argon2)
 * load as installed and `npm ci --omit=dev` is all a production machine needs.
 *
 * esbuild rather than tsc: one output file with no import-path rewriting (the sources import
 * `./x.js` for `./x.ts`), and it strips types in well under a second; `npm run typecheck` is
 * what checks them.
 *
 * Run: `tsx server/build.ts` (part of `npm run build`).
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildRankExtension } from './kb/search/native/rank-extension.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerBuild {
  /** The compiled entry point, `<outDir>/main.js`. */
  entry: string;
  /** Packages the compiled server imports (node built-ins left out). */
  packages: string[];
}

/** The package name of an import specifier: `pg` for `pg/lib/x`, `@hono/node-server` for `@hono/node-server/serve-static`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Builds the server into `outDir` (default dist/server, emptied first) and refuses a bundle that
 * imports a package outside package.json's "dependencies": such a server would start in
 * development and crash on a production install.
 */
export async function buildServer(outDir = path.join(repoRoot, 'dist', 'server')): Promise<ServerBuild> {
  fs.rmSync(outDir, { recursive: true, force: true });
  const entry = path.join(outDir, 'main.js');
  const result = await build({
    entryPoints: [path.join(repoRoot, 'server', 'main.ts')],
    outfile: entry,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    // The oldest Node the portal supports (package.json "engines").
    target: 'node20.19',
    // Stack traces point at the TypeScript sources with `node --enable-source-maps`.
    sourcemap: true,
    // Readable output: production stack traces and log lines keep their function names.
    minify: false,
    metafile: true,
    logLevel: 'warning',
    tsconfig: path.join(repoRoot, 'tsconfig.json'),
  });

  // The demo knowledge base is read from disk at run time (server/demo/kb/load.ts looks beside the bundle).
  fs.cpSync(path.join(repoRoot, 'server', 'demo', 'kb'), path.join(outDir, 'demo', 'kb'), {
    recursive: true,
    filter: (source) => fs.statSync(source).isDirectory() || /\.(md|json)$/.test(source),
  });

  const builtins = new Set(builtinModules);
  const imported = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path: specifier, external } of output.imports) {
      if (!external || specifier.startsWith('node:') || builtins.has(specifier)) continue;
      imported.add(packageName(specifier));
    }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const missing = [...imported].filter((name) => !manifest.dependencies?.[name]);
  if (missing.length) {
    throw new Error(
      `The server imports ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in package.json "dependencies": ` +
        'a production install (npm ci --omit=dev) would not have it. Move it to "dependencies".',
    );
  }
  return { entry, packages: [...imported].sort() };
}

// Run directly (not imported by a test): build and say what was built.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildServer().then(
    ({ entry, packages }) => {
      console.log(`Built ${path.relative(process.cwd(), entry)} (imports ${packages.join(', ')})`);
      // The search's ranking function (see rank-extension.ts): optional on a machine without a C
      // compiler, where searches rank with bm25() instead; CI must build it, or its tests would
      // run the fallback only.
      const rank = buildRankExtension(repoRoot);
      if (rank.built) console.log(`Built ${path.relative(process.cwd(), rank.file)} (the knowledge-base search's ranking function)`);
      else if (process.env.CI === 'true' || process.env.CI === '1') {
        console.error(`The knowledge-base search's ranking extension was not built: ${rank.reason}`);
        process.exit(1);
      } else
        console.warn(`The knowledge-base search's ranking extension was not built (searches rank with bm25(), slower): ${rank.reason}`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
