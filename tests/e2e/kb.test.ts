import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { heading, openSignIn, overflowsSideways, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Types into the knowledge-base search box as a person does, key by key. */
async function typeSearch(page: Page, text: string): Promise<void> {
  const box = page.getByRole('searchbox', { name: 'Search the how-to articles' });
  await box.fill('');
  await box.pressSequentially(text, { delay: 30 });
}

/** The result links under the search box (titles of the articles found). */
function resultTitles(page: Page): Promise<string[]> {
  return page.getByRole('region', { name: 'Results' }).getByRole('link').allTextContents();
}

/** A word no demo article has, so the article a test writes is the only one it finds. */
function uniqueWord(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.replace(/[0-9]/g, (d) => 'qwertyuiop'[Number(d)]!);
}

/** Fills in and saves a new article as the help desk does; returns the article's address. */
async function writeArticle(page: Page, baseUrl: string, article: { title: string; body: string; publish: boolean }): Promise<string> {
  await page.goto(new URL('/kb/new', baseUrl).href);
  await expect.poll(() => heading(page)).toBe('New article');
  await page.getByLabel('Title').fill(article.title);
  await page.getByLabel('Text (Markdown)').fill(article.body);
  await page.getByLabel('Category', { exact: true }).fill('software');
  if (article.publish) await page.getByLabel('Status').selectOption('published');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/kb\/[^/]+\/edit$/);
  return new URL(page.url()).pathname.replace(/\/edit$/, '');
}

/** Markdown that tries every trick: none of it may run or reach the page as markup. */
const XSS_MARKDOWN = [
  '## Setup',
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'onerror\'">',
  '[click me](javascript:window.__pwned="link")',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)',
  '<svg onload="window.__pwned = \'svg\'"><circle r="5"/></svg>',
  '[JaVaScRiPt](JaVaScRiPt:window.__pwned="mixed-case")',
  '<a href="javascript:alert(1)">raw anchor</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '![ok](/favicon.svg)',
].join('\n\n');

/** What the rendered article body contains that could run: nothing, if the renderer is right. */
async function dangerousMarkup(page: Page, container: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const found: string[] = [];
    for (const root of document.querySelectorAll(selector)) {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'svg', 'iframe', 'object', 'embed', 'style', 'form'].includes(tag)) found.push(`<${tag}>`);
        for (const attr of el.attributes) {
          if (attr.name.startsWith('on')) found.push(`${tag}[${attr.name}]`);
          if (['href', 'src'].includes(attr.name) && /^\s*(javascript|data:(?!image\/(png|jpe?g|gif|webp);)|vbscript)/i.test(attr.value)) {
            found.push(`${tag}[${attr.name}=${attr.value.slice(0, 30)}]`);
          }
        }
      }
    }
    if ((window as unknown as { __pwned?: string }).__pwned) found.push(`ran: ${(window as unknown as { __pwned: string }).__pwned}`);
    return found;
  }, container);
}

describe('knowledge base', () => {
  test('alice, on her phone, searches as she types, forgives her typo, reads the article and finds it in Chinese too', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');

    // From the header's search icon to the search page.
    await page.getByRole('banner').getByRole('link', { name: 'Search how-to articles' }).click();
    await expect.poll(() => heading(page)).toBe('How-to articles');

    // A typo, typed key by key: results of the latest query only, counted in a live region.
    await typeSearch(page, 'pasword');
    await expect.poll(() => resultTitles(page)).toEqual(expect.arrayContaining([expect.stringMatching(/password/i)]));
    await expect.poll(() => page.locator('#kb-search-status').textContent()).toMatch(/articles? match “pasword”/);
    expect(new URL(page.url()).searchParams.get('q')).toBe('pasword');
    // Hits are highlighted.
    expect(await page.getByRole('region', { name: 'Results' }).locator('mark').count()).toBeGreaterThan(0);
    expect(await overflowsSideways(page)).toBe(false);

    const first = page
      .getByRole('region', { name: 'Results' })
      .getByRole('link', { name: /password/i })
      .first();
    const title = (await first.textContent())!.trim();
    await first.click();
    await expect.poll(() => heading(page)).toBe(title);
    expect(await page.getByText('Last reviewed').count()).toBeGreaterThan(0);
    expect(await page.getByRole('region', { name: 'Did this help?' }).count()).toBe(1);
    expect(await overflowsSideways(page)).toBe(false);

    // Back to the same results, then Chinese without spaces.
    await page.goBack();
    await expect.poll(() => page.getByRole('searchbox', { name: 'Search the how-to articles' }).inputValue()).toBe('pasword');
    await typeSearch(page, '重置密码');
    await expect.poll(() => resultTitles(page)).toEqual(expect.arrayContaining([expect.stringMatching(/密码|密碼/)]));
    await context.close();
  });

  test('the home page searches too; a search that finds nothing offers the help desk with the question, and the help desk turns it into a draft in one click', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'bob');

    const home = page.getByRole('region', { name: 'Find an answer' });
    await home.getByRole('searchbox').fill('vpn');
    await home.getByRole('searchbox').press('Enter');
    await expect.poll(() => heading(page)).toBe('How-to articles');
    await expect.poll(() => resultTitles(page)).toEqual(expect.arrayContaining([expect.stringMatching(/VPN/)]));

    const nonsense = uniqueWord('zzq');
    await typeSearch(page, nonsense);
    const none = page.getByRole('region', { name: 'Nothing found' });
    // Only the answer to the whole query counts (a slow typist sees earlier prefixes answered first).
    await expect.poll(() => page.locator('#kb-search-status').textContent()).toContain(`No articles match “${nonsense}”`);
    expect(await none.isVisible()).toBe(true);
    await none.getByRole('link', { name: 'Ask the help desk' }).click();
    await expect.poll(() => heading(page)).toBe('Ask the help desk');
    expect(await page.getByLabel('What you need help with').inputValue()).toContain(nonsense);
    await context.close();

    // The help desk sees the search that found nothing, and one click starts the article it asks for.
    const staff = await desktopContext(browser);
    const desk = await staff.newPage();
    await openSignIn(desk, server.url);
    await signIn(desk, 'hana');
    await desk.getByRole('link', { name: /Articles/ }).click();
    await expect.poll(() => heading(desk)).toBe('Articles');
    await desk.getByRole('link', { name: 'Knowledge-base analytics' }).click();
    const zero = desk.getByRole('region', { name: 'Searches with no results' });
    await expect.poll(() => zero.isVisible()).toBe(true);
    await zero.getByRole('link', { name: new RegExp(`^Write an article\\W+${nonsense}$`) }).click();
    await expect.poll(() => heading(desk)).toBe('New article');
    expect(await desk.getByLabel('Title').inputValue()).toBe(nonsense);
    await staff.close();
  });

  test('hana writes an article with a live preview, publishes it, and people find it; alice says it did not help', async () => {
    const word = uniqueWord('badge');
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'hana');

    await page.goto(new URL('/kb/new', server.url).href);
    await expect.poll(() => heading(page)).toBe('New article');
    await page.getByLabel('Text (Markdown)').fill(`## Before you start\n\nHave your ${word} ready.\n\n> **Note:** it takes a minute.`);
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.getByRole('heading', { name: 'Before you start' }).count()).toBe(1);
    expect(await preview.locator('blockquote.callout--note').count()).toBe(1);

    // Saving without a title: the field says so and nothing is saved.
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).pathname).toBe('/kb/new');

    const address = await writeArticle(page, server.url, {
      title: `Print a visitor badge ${word}`,
      body: `## Before you start\n\nHave your ${word} ready.\n\n## Print\n\n1. Open the badge app.\n2. Press **Print**.\n\n## If it jams\n\nOpen the tray.`,
      publish: true,
    });

    // A second save makes a second version; the diff shows what changed.
    await page
      .getByLabel('Text (Markdown)')
      .fill(
        `## Before you start\n\nHave your ${word} and your ID ready.\n\n## Print\n\n1. Open the badge app.\n2. Press **Print**.\n\n## If it jams\n\nOpen the tray.`,
      );
    await page.getByRole('button', { name: 'Save' }).click();
    const versions = page.getByRole('region', { name: 'Versions' });
    await expect.poll(() => versions.getByRole('row').count()).toBe(3);
    await versions.getByRole('button', { name: /Compare version 1/ }).click();
    await expect.poll(() => versions.locator('pre ins').textContent()).toContain('and your ID');
    expect(await versions.locator('pre del').textContent()).toContain(`Have your ${word} ready.`);

    // Restoring version 1 asks first, brings its text back into the editor and is itself a new version.
    await versions.getByRole('button', { name: 'Restore version 1' }).click();
    await versions.getByRole('button', { name: 'Yes, restore' }).click();
    await expect.poll(() => page.getByLabel('Text (Markdown)').inputValue()).toContain(`Have your ${word} ready.`);
    await expect.poll(() => versions.getByRole('row').count()).toBe(4);
    await context.close();

    // Alice finds it by a prefix of the new word, reads it, and tells the help desk it did not help.
    const phone = await phoneContext(browser);
    const reader = await phone.newPage();
    await openSignIn(reader, server.url);
    await signIn(reader, 'alice');
    await reader.goto(new URL('/kb', server.url).href);
    await typeSearch(reader, word.slice(0, -1));
    // Settled: the live region names the final query (an earlier prefix's answer may list it too).
    const status = reader.locator('#kb-search-status');
    await expect.poll(() => status.textContent()).toBe(`One article matches “${word.slice(0, -1)}”.`);
    expect(await resultTitles(reader)).toContain(`Print a visitor badge ${word}`);
    // A reader who types one more letter and taps the result at once, on a slow network (the article
    // page's code held back): the search still pending from that keystroke must not pull them back to /kb.
    await reader.route('**/assets/KbArticleView-*.js', async (route) => {
      await new Promise((r) => setTimeout(r, 600));
      await route.continue();
    });
    await reader.getByRole('searchbox', { name: 'Search the how-to articles' }).press(word.slice(-1));
    await reader.getByRole('link', { name: `Print a visitor badge ${word}` }).click();
    await expect.poll(() => new URL(reader.url()).pathname).toBe(address);
    // Three sections: a table of contents in its own landmark, whose links move to the section.
    const toc = reader.getByRole('navigation', { name: 'On this page' });
    await expect.poll(() => toc.getByRole('link').allTextContents()).toEqual(['Before you start', 'Print', 'If it jams']);
    await toc.getByRole('link', { name: 'If it jams' }).click();
    await expect.poll(() => reader.evaluate(() => document.activeElement?.textContent)).toBe('If it jams');

    const feedback = reader.getByRole('region', { name: 'Did this help?' });
    await feedback.getByRole('button', { name: 'No' }).click();
    await expect.poll(() => feedback.getByRole('status').textContent()).toContain('Thank you for telling us.');
    await feedback.getByLabel('What was missing or wrong? (optional)').fill('Which tray?');
    await feedback.getByRole('button', { name: 'Send comment' }).click();
    await expect.poll(() => feedback.getByRole('status').textContent()).toContain('The help desk reads every comment.');
    await phone.close();
  });

  test('Markdown that carries scripts, event handlers, javascript: and data: links and SVG renders inert in the preview, the article and the results', async () => {
    const word = uniqueWord('inert');
    const context = await desktopContext(browser);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await openSignIn(page, server.url);
    await signIn(page, 'hana');

    const body = `${word} <img src=x onerror=alert(1)> in the text.\n\n${XSS_MARKDOWN}`;
    await page.goto(new URL('/kb/new', server.url).href);
    await page.getByLabel('Text (Markdown)').fill(body);
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.getByRole('heading', { name: 'Setup' }).count()).toBe(1);
    expect(await dangerousMarkup(page, '.kb-editor__preview .kb-prose')).toEqual([]);
    // The tricks are shown as text, the safe same-origin image stays.
    expect(await preview.textContent()).toContain('<script>');
    expect(await preview.locator('img[src="/favicon.svg"]').count()).toBe(1);
    // A link whose address was refused keeps its words, without an address.
    expect(await preview.getByText('click me').evaluate((el) => el.closest('a')?.hasAttribute('href') ?? false)).toBe(false);

    const address = await writeArticle(page, server.url, { title: `Pasted from a forum ${word}`, body, publish: true });
    await page.goto(new URL(address, server.url).href);
    await expect.poll(() => heading(page)).toBe(`Pasted from a forum ${word}`);
    expect(await dangerousMarkup(page, '.kb-article .kb-prose')).toEqual([]);

    // Every link left in the article goes somewhere harmless.
    expect(await page.locator('.kb-article .kb-prose a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^\s*(javascript|data|vbscript):/i)]),
    );

    // In search results the snippet shows the hit highlighted and the tag as text.
    await page.goto(new URL(`/kb?q=${word}`, server.url).href);
    await expect.poll(() => resultTitles(page)).toContain(`Pasted from a forum ${word}`);
    expect(await dangerousMarkup(page, '.kb-list')).toEqual([]);
    expect(await page.locator('.kb-list img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();
  });
});
