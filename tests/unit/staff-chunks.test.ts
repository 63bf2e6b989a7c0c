import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStaffPermission, type Permission } from '../../shared/permissions.js';
import { CHUNK_GRAPH_FILE, type ChunkGraphEntry } from '../../web/build/staff-areas.js';

/**
 * Reads the built web app (run `npm run build` first; `npm test` does) and checks, independently of
 * the build's own naming rule, that the service worker would never precache code only staff use.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const FEATURES = path.join(ROOT, 'web/src/features');
const built = fs.existsSync(path.join(DIST, 'web/sw.js')) && fs.existsSync(path.join(DIST, CHUNK_GRAPH_FILE));
const required = process.env.CI === 'true' || process.env.CI === '1';
if (!built && !required) console.warn('staff-chunks: dist/web is not built; run `npm run build` (skipped)');

/** The views that routes guarded by a staff permission load, as repository-relative module paths. */
function staffViews(): string[] {
  const views: string[] = [];
  for (const feature of fs.readdirSync(FEATURES)) {
    const file = path.join(FEATURES, feature, 'routes.ts');
    if (!fs.existsSync(file)) continue;
    const source = fs.readFileSync(file, 'utf8');
    // One route object per `path:`; each declares its permission and loads its view.
    for (const route of source.split(/\bpath:/).slice(1)) {
      const permission = /\bpermission:\s*'([^']+)'/.exec(route)?.[1] as Permission | undefined;
      if (!permission || !isStaffPermission(permission)) continue;
      const lazy = /import\(\s*'([^']+)'\s*\)/.exec(route)?.[1];
      // A staff view imported eagerly would sit in the entry chunk: name it so the check below fails.
      const view = lazy ?? /component:\s*(\w+)/.exec(route)?.[1] ?? 'unknown';
      views.push(lazy ? path.relative(ROOT, path.join(FEATURES, feature, view)).replaceAll('\\', '/') : `eager:${feature}/${view}`);
    }
  }
  return views;
}

/** URLs in the built service worker's precache manifest. */
function precached(): string[] {
  const sw = fs.readFileSync(path.join(DIST, 'web/sw.js'), 'utf8');
  return [...sw.matchAll(/["']?url["']?\s*:\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

describe.skipIf(!built && !required)('staff code stays off employees’ phones (built app)', () => {
  const graph = (): ChunkGraphEntry[] => JSON.parse(fs.readFileSync(path.join(DIST, CHUNK_GRAPH_FILE), 'utf8')) as ChunkGraphEntry[];

  /** Files an employee can load: from the entry, every import except the lazy load of a staff view. */
  function employeeFiles(chunks: ChunkGraphEntry[], views: Set<string>): Set<string> {
    const byFile = new Map(chunks.map((c) => [c.file, c]));
    // A staff area is its feature folder (views, and what only they use, such as the staff areas'
    // message catalogues); only its route table is everyone's.
    const areas = [...views].map((v) => v.split('/').slice(0, 4).join('/'));
    const isStaffModule = (m: string) => views.has(m) || (areas.some((a) => m.startsWith(`${a}/`)) && !m.endsWith('/routes.ts'));
    const holdsStaffView = (file: string) => byFile.get(file)?.modules.some(isStaffModule) ?? false;
    const seen = new Set<string>();
    const queue = chunks.filter((c) => c.isEntry).map((c) => c.file);
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const chunk = byFile.get(file);
      if (!chunk) continue;
      queue.push(...chunk.imports, ...chunk.dynamicImports.filter((next) => !holdsStaffView(next)));
    }
    return seen;
  }

  it('finds the staff areas and their lazy views', () => {
    const views = staffViews();
    expect(views.filter((v) => v.startsWith('eager:'))).toEqual([]);
    // Team, help desk (search and person), HR and administration today.
    expect(views.length).toBeGreaterThanOrEqual(5);
    const modules = new Set(graph().flatMap((c) => c.modules));
    for (const view of views) expect(modules, view).toContain(view);
  });

  it('keeps every staff view out of the chunks an employee loads', () => {
    const chunks = graph();
    const views = new Set(staffViews());
    const employee = employeeFiles(chunks, views);
    for (const chunk of chunks) {
      if (!employee.has(chunk.file)) continue;
      expect(
        chunk.modules.filter((m) => views.has(m)),
        chunk.file,
      ).toEqual([]);
    }
  });

  it('precaches no staff-only file, and names every staff-only file role-*', () => {
    const chunks = graph();
    const employee = employeeFiles(chunks, new Set(staffViews()));
    const staffOnly = chunks.map((c) => c.file).filter((file) => !employee.has(file));
    expect(staffOnly.length).toBeGreaterThan(0);
    expect(staffOnly.filter((file) => !path.basename(file).startsWith('role-'))).toEqual([]);
    const cache = new Set(precached());
    expect(cache.size).toBeGreaterThan(0);
    expect([...cache].filter((url) => url.endsWith('.js')).length).toBeGreaterThan(0);
    expect(staffOnly.filter((file) => cache.has(file))).toEqual([]);
    // And everything an employee loads is there for offline use.
    expect([...employee].filter((file) => !cache.has(file))).toEqual([]);
  });
});
