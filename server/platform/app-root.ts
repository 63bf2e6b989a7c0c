import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installation's root: the nearest folder above this module holding package.json. This
 * module runs from server/ in development and tests, and bundled into dist/server/main.js in
 * production, so a fixed `..` would be right in one place only.
 */
export function findAppRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}: run the portal from its installation folder.`);
  }
}
