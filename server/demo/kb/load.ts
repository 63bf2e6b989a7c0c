// The demo knowledge base: one Markdown file per article and locale, `<slug>.<locale>.md`, beside this
// module (sources) or under dist/server/demo/kb (the build copies them there: server/build.ts).
//
// Each file opens with a small front-matter block of `key: value` lines between `---` lines:
//
//   ---
//   slug: vpn-connect
//   title: Connect to the VPN
//   category: network            (an id from categories.json)
//   tags: vpn, remote work       (comma-separated)
//   reviewed: 2026-10-01         (last reviewed, YYYY-MM-DD)
//   ---
//   Markdown body…
//
// Translations share the slug; the `en` file is the source. Bodies are plain Markdown (no raw HTML);
// links to other articles are written `[text](/kb/<slug>)`. Parsed by hand so the compiled server
// needs no front-matter library.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type DemoLocale = 'en' | 'zh-CN' | 'zh-TW';

export const DEMO_LOCALES: readonly DemoLocale[] = ['en', 'zh-CN', 'zh-TW'];

export interface DemoArticle {
  slug: string;
  locale: DemoLocale;
  title: string;
  /** A category id from categories.json. */
  category: string;
  tags: string[];
  /** Date of the last review, YYYY-MM-DD. */
  reviewed: string;
  /** Markdown, without the front matter. */
  body: string;
}

export interface DemoCategory {
  id: string;
  labels: Record<DemoLocale, string>;
}

const FILE_NAME = /^([a-z0-9]+(?:-[a-z0-9]+)*)\.(en|zh-CN|zh-TW)\.md$/;

/** The folder holding the articles: beside this module in the sources, demo/kb beside the bundle. */
export function demoKbDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.join(here, 'demo', 'kb')]) {
    if (fs.existsSync(path.join(dir, 'categories.json'))) return dir;
  }
  throw new Error(`The demo knowledge base is missing: no categories.json in or below ${here}.`);
}

/** The fixed category list, with labels in every locale. */
export function loadDemoCategories(dir = demoKbDir()): DemoCategory[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'categories.json'), 'utf8')) as DemoCategory[];
}

/** Parses one file's text; throws with the file name on anything malformed. */
export function parseDemoArticle(fileName: string, text: string): DemoArticle {
  const name = FILE_NAME.exec(fileName);
  if (!name) throw new Error(`${fileName}: the name must be <slug>.<en|zh-CN|zh-TW>.md`);
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${fileName}: no front matter between --- lines at the top`);
  const fields = new Map<string, string>();
  for (const line of match[1]!.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`${fileName}: front-matter line "${line}" is not "key: value"`);
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const field = (key: string) => {
    const value = fields.get(key);
    if (!value) throw new Error(`${fileName}: front matter has no ${key}`);
    return value;
  };
  const slug = field('slug');
  if (slug !== name[1]) throw new Error(`${fileName}: slug "${slug}" does not match the file name`);
  const reviewed = field('reviewed');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(reviewed)) throw new Error(`${fileName}: reviewed must be YYYY-MM-DD`);
  return {
    slug,
    locale: name[2] as DemoLocale,
    title: field('title'),
    category: field('category'),
    tags: field('tags')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    reviewed,
    body: match[2]!.trim() + '\n',
  };
}

/** Every demo article in every locale, sorted by slug then locale (en first). */
export function loadDemoArticles(dir = demoKbDir()): DemoArticle[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.md'))
    .map((file) => parseDemoArticle(file, fs.readFileSync(path.join(dir, file), 'utf8')))
    .sort((a, b) => a.slug.localeCompare(b.slug) || DEMO_LOCALES.indexOf(a.locale) - DEMO_LOCALES.indexOf(b.locale));
}
