import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import MarkdownIt from 'markdown-it';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build.js';
import { demoKbDir, loadDemoArticles, loadDemoCategories, parseDemoArticle, type DemoArticle } from '../../server/demo/kb/load.js';

const articles = loadDemoArticles();
const categories = loadDemoCategories();
const slugs = new Set(articles.map((article) => article.slug));
const name = (article: DemoArticle) => `${article.slug}.${article.locale}`;
const bySlug = (slug: string) => articles.filter((article) => article.slug === slug);

// html: true so raw HTML shows up as its own tokens (the portal renders with it off; authors must not rely on it).
const md = new MarkdownIt({ html: true });
const tokensOf = (body: string) => md.parse(body, {}).flatMap((token) => [token, ...(token.children ?? [])]);

describe('the demo knowledge base', () => {
  it('is a useful starter base: at least 40 articles, each in English and Simplified Chinese, 8+ in Traditional', () => {
    expect(slugs.size).toBeGreaterThanOrEqual(40);
    for (const slug of slugs) {
      const locales = bySlug(slug).map((article) => article.locale);
      expect(locales, slug).toContain('en');
      expect(locales, slug).toContain('zh-CN');
    }
    expect(articles.filter((article) => article.locale === 'zh-TW').length).toBeGreaterThanOrEqual(8);
  });

  it('files every article under a known category, the same one in every translation', () => {
    const known = new Set(categories.map((category) => category.id));
    for (const category of categories) {
      for (const locale of ['en', 'zh-CN', 'zh-TW'] as const) expect(category.labels[locale], `${category.id} ${locale}`).toBeTruthy();
    }
    for (const article of articles) {
      expect(known.has(article.category), `${name(article)}: ${article.category}`).toBe(true);
      expect(article.category, name(article)).toBe(bySlug(article.slug).find((source) => source.locale === 'en')!.category);
    }
    // Every category is in use, so the category filter never offers an empty shelf.
    expect(new Set(articles.map((article) => article.category))).toEqual(known);
  });

  it('gives every article a title, tags, a review date and a real body', () => {
    for (const article of articles) {
      expect(article.title.length, name(article)).toBeGreaterThan(3);
      expect(article.tags.length, name(article)).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(article.reviewed)), name(article)).toBe(false);
      expect(article.body.length, name(article)).toBeGreaterThan(300);
      // The page shows the title as its one h1; bodies start their headings at h2.
      const h1 = tokensOf(article.body).filter((token) => token.type === 'heading_open' && token.tag === 'h1');
      expect(h1.length, `${name(article)} has an h1 of its own`).toBe(0);
    }
  });

  it('has no raw HTML in any body', () => {
    for (const article of articles) {
      const html = tokensOf(article.body).filter((token) => token.type === 'html_block' || token.type === 'html_inline');
      expect(
        html.map((token) => token.content),
        name(article),
      ).toEqual([]);
    }
  });

  it('links only to articles that exist, and only to https or other articles', () => {
    for (const article of articles) {
      for (const token of tokensOf(article.body).filter((t) => t.type === 'link_open')) {
        const href = token.attrGet('href') ?? '';
        const internal = /^\/kb\/([a-z0-9-]+)$/.exec(href);
        if (internal) expect(slugs.has(internal[1]!), `${name(article)} links to ${href}`).toBe(true);
        else expect(href, name(article)).toMatch(/^https:\/\//);
      }
    }
  });

  it('renders all its bold text (CJK punctuation next to ** breaks emphasis in CommonMark)', () => {
    for (const article of articles) {
      const text = tokensOf(article.body)
        .filter((token) => token.type === 'text')
        .map((token) => token.content)
        .join('\n');
      expect(text, name(article)).not.toContain('**');
    }
  });

  it('writes callouts as blockquotes that open with a Note or Warning label in the article language', () => {
    const labels = { en: /^\*\*(Note|Warning):\*\* /, 'zh-CN': /^\*\*(注意|警告)\*\*：/, 'zh-TW': /^\*\*(注意|警告)\*\*：/ };
    for (const article of articles) {
      for (const line of article.body.split('\n').filter((l) => l.startsWith('> **'))) {
        expect(line.slice(2), name(article)).toMatch(labels[article.locale]);
      }
    }
  });

  it('keeps each Chinese script to its own characters', () => {
    // Characters that differ between the scripts and come up in nearly every IT article.
    const simplifiedOnly = /[们这个时会关开发设网络软码帐账户电脑机线连数据击钮语点选择录应删]/u;
    const traditionalOnly = /[們這個時會關開發設網絡軟碼帳戶電腦機線連數據擊鈕語點選擇錄應刪]/u;
    for (const article of articles) {
      const text = `${article.title}\n${article.tags.join(',')}\n${article.body}`;
      if (article.locale === 'zh-TW') expect(simplifiedOnly.exec(text)?.[0], name(article)).toBeUndefined();
      if (article.locale === 'zh-CN') expect(traditionalOnly.exec(text)?.[0], name(article)).toBeUndefined();
    }
  });
});

describe('parseDemoArticle', () => {
  const good = '---\nslug: vpn-connect\ntitle: Connect\ncategory: network\ntags: vpn, remote work\nreviewed: 2026-10-01\n---\nBody\n';

  it('reads the front matter and the body', () => {
    expect(parseDemoArticle('vpn-connect.zh-CN.md', good)).toEqual({
      slug: 'vpn-connect',
      locale: 'zh-CN',
      title: 'Connect',
      category: 'network',
      tags: ['vpn', 'remote work'],
      reviewed: '2026-10-01',
      body: 'Body\n',
    });
  });

  it('refuses malformed files, naming the file', () => {
    expect(() => parseDemoArticle('vpn-connect.fr.md', good)).toThrow(/vpn-connect\.fr\.md/);
    expect(() => parseDemoArticle('other.en.md', good)).toThrow(/does not match/);
    expect(() => parseDemoArticle('vpn-connect.en.md', 'Body only')).toThrow(/no front matter/);
    expect(() => parseDemoArticle('vpn-connect.en.md', good.replace('title: Connect\n', ''))).toThrow(/no title/);
    expect(() => parseDemoArticle('vpn-connect.en.md', good.replace('2026-10-01', 'October'))).toThrow(/YYYY-MM-DD/);
  });
});

describe('from the compiled server', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-demo-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the same articles beside the bundle', { timeout: 60_000 }, async () => {
    const outDir = path.join(dir, 'dist', 'server');
    await buildServer(outDir);
    const sourceFiles = fs.readdirSync(demoKbDir()).filter((file) => /\.(md|json)$/.test(file));
    expect(fs.readdirSync(path.join(outDir, 'demo', 'kb')).sort()).toEqual(sourceFiles.sort());
    // A bundle of the loader placed where the server bundle is, as main.js would include it.
    const probe = path.join(outDir, 'kb-probe.mjs');
    await build({ entryPoints: ['server/demo/kb/load.ts'], outfile: probe, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
    const bundled = (await import(pathToFileURL(probe).href)) as typeof import('../../server/demo/kb/load.js');
    expect(bundled.demoKbDir()).toBe(path.join(outDir, 'demo', 'kb'));
    expect(bundled.loadDemoArticles()).toEqual(articles);
  });
});

describe('the relevance set', () => {
  interface RelevanceCase {
    query: string;
    locale: 'en' | 'zh-CN' | 'zh-TW';
    expected: string;
    kind: 'word' | 'phrase' | 'prefix' | 'typo' | 'zh-CN' | 'zh-TW' | 'mixed';
  }
  const cases = JSON.parse(fs.readFileSync('tests/fixtures/kb-relevance.json', 'utf8')) as RelevanceCase[];

  it('has at least 60 queries of every kind, with the ones the issue names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['mixed', 'phrase', 'prefix', 'typo', 'word', 'zh-CN', 'zh-TW']);
    const queries = cases.map((c) => c.query);
    expect(new Set(queries).size).toBe(queries.length);
    for (const query of ['pasword', 'vnp', 'outlok search', '重置密码', '打印机连不上', 'VPN 连接失败', 'print', 'bitl', '印表機無法連線', '重設密碼']) {
      expect(queries).toContain(query);
    }
  });

  it('expects an article that exists in the language searched', () => {
    for (const c of cases) {
      expect(
        articles.some((article) => article.slug === c.expected && article.locale === c.locale),
        `${c.query} → ${c.expected}.${c.locale}`,
      ).toBe(true);
    }
  });

  it('writes Chinese queries in the script of their locale', () => {
    for (const c of cases) {
      const han = /\p{Script=Han}/u.test(c.query);
      if (c.kind === 'zh-CN' || c.kind === 'zh-TW') expect(c.locale, c.query).toBe(c.kind);
      if (c.kind === 'mixed') expect(han && /[A-Za-z]/.test(c.query), c.query).toBe(true);
      if (c.locale === 'en') expect(han, c.query).toBe(false);
      if (c.locale === 'zh-TW') expect(/[们这个时会关开发设网络软码帐账户电脑机线连数据语点选择录应删丢设备]/u.exec(c.query)?.[0], c.query).toBeUndefined();
      if (c.locale === 'zh-CN') expect(/[們這個時會關開發設網絡軟碼帳戶電腦機線連數據語點選擇錄應刪丟設備]/u.exec(c.query)?.[0], c.query).toBeUndefined();
    }
  });
});
