import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAppRoot } from '../../server/platform/app-root.js';

describe('findAppRoot', () => {
  const made: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-root-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => made.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('finds the installation from the sources (server/) and from the build (dist/server/)', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    for (const sub of ['server', path.join('dist', 'server')]) {
      fs.mkdirSync(path.join(root, sub), { recursive: true });
      expect(findAppRoot(path.join(root, sub))).toBe(root);
    }
  });

  it('is this repository when run from here', () => {
    expect(findAppRoot()).toBe(path.resolve('.'));
  });

  it('says what is wrong when there is no package.json above', () => {
    const bare = path.join(tempDir(), 'dist', 'server');
    fs.mkdirSync(bare, { recursive: true });
    // os.tmpdir() and its parents hold no package.json on a normal machine.
    expect(() => findAppRoot(bare)).toThrow(/No package.json above/);
  });
});
