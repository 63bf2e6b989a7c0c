import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Plugin } from 'vite';
import { isStaffPermission, PERMISSIONS, type Permission } from '../../shared/permissions.js';

/** A feature's route table: `web/src/features/<feature>/routes.ts`. */
const ROUTES_FILE = /\/web\/src\/features\/([^/]+)\/routes\.ts$/;
const FEATURE_DIR = /\/web\/src\/features\/([^/]+)\//;
const PERMISSION_DECLARATION = /\bpermission:\s*(?:'([^']*)'|"([^"]*)"|(\S))/g;

/**
 * Where the build writes the raw chunk graph (file, modules, imports) for the build test. Beside
 * dist/web rather than in it, so it is never served.
 */
export const CHUNK_GRAPH_FILE = 'web-chunks.json';

export interface ChunkGraphEntry {
  file: string;
  isEntry: boolean;
  /** Source modules in the chunk, relative to the repository root. */
  modules: string[];
  imports: string[];
  dynamicImports: string[];
}

/** Staff-only chunks start with this; the service worker's precache leaves `role-*` files out. */
export const STAFF_CHUNK_PREFIX = 'role-';

const normalise = (id: string) => id.replaceAll('\\', '/').split('?')[0]!;

/**
 * Keeps staff and HR code off employees' phones by convention, not by a hand-kept list:
 *
 * 1. A feature whose routes declare a permission employees lack (shared/permissions.ts) is a staff
 *    area. All its routes must be staff routes, and its views must be lazy-loaded: a static import
 *    of its code from outside the feature fails the build.
 * 2. Any module that an employee cannot reach without opening a staff area (the staff feature's own
 *    modules, and whatever only they use, such as the shared people search) is staff-only.
 * 3. A chunk made only of staff-only modules is named `role-<feature>-…` (`role-shared-…` when
 *    several staff areas share it); the service worker's precache ignores `role-*`.
 */
export function staffAreas(): { plugin: Plugin; chunkFileNames: (chunk: { name: string; moduleIds: string[] }) => string } {
  const staffFeatures = new Set<string>();
  const staffOnly = new Set<string>();
  /** The repository root (vite's root is web/). */
  let repoRoot = '';

  const plugin: Plugin = {
    name: 'portal:staff-areas',
    apply: 'build',
    configResolved(config) {
      repoRoot = dirname(config.root);
    },
    buildStart() {
      staffFeatures.clear();
      staffOnly.clear();
    },
    transform(code, rawId) {
      const id = normalise(rawId);
      const feature = ROUTES_FILE.exec(id)?.[1];
      if (!feature) return null;
      const routes = code.match(/\bpath:\s*['"`]/g)?.length ?? 0;
      let staffRoutes = 0;
      for (const match of code.matchAll(PERMISSION_DECLARATION)) {
        const name = match[1] ?? match[2];
        if (name === undefined) this.error(`${id}: meta.permission must be a string literal, so the build can tell staff areas apart`);
        if (!(name in PERMISSIONS)) this.error(`${id}: unknown permission '${name}'`);
        if (isStaffPermission(name as Permission)) staffRoutes++;
      }
      if (staffRoutes === 0) return null;
      if (staffRoutes !== routes) {
        this.error(`${id}: a feature with staff routes holds only staff routes; move the others to a feature of their own`);
      }
      staffFeatures.add(feature);
      return null;
    },
    buildEnd(error) {
      if (error) return;
      const isStaffModule = (id: string) => {
        const feature = FEATURE_DIR.exec(id)?.[1];
        return feature !== undefined && staffFeatures.has(feature) && !ROUTES_FILE.test(id);
      };
      // Everything an employee can load: from the entries, every import except the way into a staff area.
      const reachable = new Set<string>();
      const queue = [...this.getModuleIds()].filter((id) => this.getModuleInfo(id)?.isEntry);
      while (queue.length) {
        const id = queue.pop()!;
        if (reachable.has(id)) continue;
        reachable.add(id);
        const info = this.getModuleInfo(id);
        if (!info) continue;
        const from = normalise(id);
        for (const next of info.importedIds) {
          if (isStaffModule(normalise(next)) && !isStaffModule(from)) {
            this.error(`${from} imports staff-area code ${normalise(next)} eagerly; load staff views lazily from their routes`);
          }
          queue.push(next);
        }
        for (const next of info.dynamicallyImportedIds) if (isStaffModule(from) || !isStaffModule(normalise(next))) queue.push(next);
      }
      for (const id of this.getModuleIds()) if (!reachable.has(id)) staffOnly.add(normalise(id));
    },
    async writeBundle(options, bundle) {
      // Only the app's own build: the service worker is built separately and has no chunks to tell apart.
      if (!options.dir || !Object.values(bundle).some((o) => o.type === 'chunk' && o.isEntry && o.fileName.startsWith('assets/'))) return;
      const graph: ChunkGraphEntry[] = [];
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        graph.push({
          file: output.fileName,
          isEntry: output.isEntry,
          modules: [
            ...new Set(
              output.moduleIds.filter((id) => !id.startsWith('\0')).map((id) => relative(repoRoot, normalise(id)).replaceAll('\\', '/')),
            ),
          ],
          imports: output.imports,
          dynamicImports: output.dynamicImports,
        });
      }
      const target = join(options.dir, '..', CHUNK_GRAPH_FILE);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, `${JSON.stringify(graph, null, 1)}\n`);
    },
  };

  function chunkFileNames(chunk: { name: string; moduleIds: string[] }): string {
    const ids = chunk.moduleIds.map(normalise);
    // Modules share a chunk only when the same imports load them, so a chunk is either all staff-only or none.
    if (ids.length === 0 || !ids.every((id) => staffOnly.has(id))) return 'assets/[name]-[hash].js';
    const areas = new Set(ids.map((id) => FEATURE_DIR.exec(id)?.[1]).filter((f): f is string => f !== undefined && staffFeatures.has(f)));
    return `assets/${STAFF_CHUNK_PREFIX}${areas.size === 1 ? [...areas][0] : 'shared'}-[name]-[hash].js`;
  }

  return { plugin, chunkFileNames };
}
