/**
 * The knowledge base with no network, on a phone: after one visit, published articles in the
 * person's languages are searched (typos, Chinese) and read from the device's own copy; back
 * online, an article published meanwhile reaches that copy by a delta (`since=`), not a full
 * download. And suggestions appear while someone describes a problem, online and offline, in a
 * new tab so the text typed survives.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { DEMO_PASSWORD, cachedApiAnswers, openSignIn, signIn, waitForServiceWorkerControl } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A made-up word no demo article has (letters only), so the articles a test writes are the only matches. */
function uniqueWord(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.replace(/[0-9]/g, (d) => 'qwertyuiop'[Number(d)]!);
}

/** Publishes an article as the help desk (hana) does, through the API. */
async function publish(article: {
  title: string;
  body: string;
  locale: 'en' | 'zh-CN';
  tags?: string[];
}): Promise<{ id: number; slug: string }> {
  const headers = { 'content-type': 'application/json', origin: server.url };
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: 'hana', password: DEMO_PASSWORD }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const created = await fetch(`${server.url}/api/kb/articles`, {
    method: 'POST',
    headers: { ...headers, cookie },
    body: JSON.stringify({ ...article, category: 'network', status: 'published' }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  return (await created.json()) as { id: number; slug: string };
}

/** Where the device's offline copy stands, read straight from IndexedDB. */
function copyState(
  page: Page,
): Promise<{ owner: string; locales: string[]; cursor: number | null; syncedAt: string | null; kept: number } | null> {
  return page.evaluate(() => {
    // Opening a database that does not exist would create it (empty, at version 1), and a sign-out's
    // deletion can complete between a look and an open: an open that would create it is aborted.
    return new Promise((resolve) => {
      const open = indexedDB.open('portal-kb-offline');
      open.onupgradeneeded = () => open.transaction!.abort();
      open.onerror = () => resolve(null);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('state')) {
          db.close();
          resolve(null);
          return;
        }
        const tx = db.transaction(['state', 'articles'], 'readonly');
        const state = tx.objectStore('state').get('state');
        const all = tx.objectStore('articles').getAll();
        tx.oncomplete = () => {
          db.close();
          const s = state.result as { owner: string; locales: string[]; cursor: number | null; syncedAt: string | null } | undefined;
          resolve(s ? { ...s, kept: (all.result as { kept: boolean }[]).filter((a) => a.kept).length } : null);
        };
      };
    });
  });
}

/**
 * Articles the copy holds once a sync has finished: articles are stored first, then the index is
 * built and saved, and the state (with `syncedAt`) is written last. 0 until then.
 */
async function syncedKept(page: Page, locale?: string): Promise<number> {
  const copy = await copyState(page);
  // A copy is for the person's languages: after a language switch it is rebuilt for the new ones.
  if (locale && !copy?.locales.includes(locale)) return 0;
  return copy?.syncedAt ? copy.kept : 0;
}

const searchBox = (page: Page) => page.locator('#kb-query');
const resultLinks = (page: Page) => page.locator('.kb-list__title a');

async function search(page: Page, text: string): Promise<void> {
  await searchBox(page).fill('');
  await searchBox(page).pressSequentially(text, { delay: 20 });
}

/** Signs alice in on a phone with the portal in Simplified Chinese (her copy: Chinese and English articles). */
async function aliceInChinese(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await openSignIn(page, server.url);
  await signIn(page, 'alice');
  await expect.poll(() => new URL(page.url()).pathname).toBe('/');
  await waitForServiceWorkerControl(page);
  await page.evaluate(() => localStorage.setItem('portal.locale', 'zh-CN'));
  await page.goto(new URL('/kb', server.url).href);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
  return page;
}

describe('the knowledge base offline', () => {
  test('searched with typos and in Chinese, and read, with no network; a new article arrives by delta', async () => {
    const word = uniqueWord('zorb');
    const english = await publish({
      title: `Reconnect the ${word} gateway`,
      body: `When the ${word} gateway drops, open **Settings** and reconnect.\n\n1. Quit the client.\n2. Start it again.`,
      locale: 'en',
    });
    await publish({ title: `${word} 打印机连不上怎么办`, body: `先检查${word}打印机的网络，然后重新添加打印机。`, locale: 'zh-CN' });

    const context = await phoneContext(browser, { serviceWorkers: true });
    const exportRequests: string[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/kb/export') exportRequests.push(request.url());
    });
    const page = await aliceInChinese(context);
    // The copy is made in the background: wait until a sync has finished (articles stored, index
    // built and saved; the state is written last) and it holds both articles.
    await expect.poll(() => syncedKept(page, 'zh-CN'), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect((await copyState(page))!.owner).toBe('alice');

    await context.setOffline(true);
    // An English typo ("gatewya"): swapped letters are forgiven.
    await search(page, `${word} gatewya`);
    await expect.poll(() => resultLinks(page).allTextContents()).toEqual([`Reconnect the ${word} gateway`]);
    await expect.poll(() => page.getByTestId('kb-offline-note').textContent()).toContain('离线');
    // And how much of the base this device holds.
    await expect.poll(() => page.getByTestId('kb-offline-note').textContent()).toMatch(/本设备.*\d+ 篇文章/);
    // Chinese without spaces.
    await search(page, '打印机连不上');
    await expect.poll(() => resultLinks(page).allTextContents()).toContain(`${word} 打印机连不上怎么办`);

    // Read one, still offline: from the device's copy, sanitised like any article.
    await search(page, `${word} gateway`);
    await expect.poll(() => resultLinks(page).allTextContents()).toEqual([`Reconnect the ${word} gateway`]);
    await resultLinks(page).first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/kb/${english.slug}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Reconnect the ${word} gateway`);
    await expect.poll(() => page.locator('.kb-body strong').first().textContent()).toBe('Settings');
    await expect.poll(() => page.getByTestId('kb-offline-note').textContent()).toContain('本设备');

    // Meanwhile the help desk publishes another article; back online, the copy catches up by delta.
    const later = uniqueWord('quib');
    await publish({ title: `Pair the ${later} headset`, body: `Hold the ${later} button for five seconds.`, locale: 'en' });
    const firstSync = exportRequests.length;
    const before = (await copyState(page))!.cursor;
    expect(before).not.toBeNull();
    await context.setOffline(false);
    await expect.poll(() => exportRequests.length, { timeout: 30_000 }).toBeGreaterThan(firstSync);
    await expect.poll(async () => (await copyState(page))!.cursor, { timeout: 30_000 }).not.toBe(before);
    // The catch-up asked only for what changed after the cursor it had.
    const catchUp = exportRequests.slice(firstSync);
    expect(catchUp.length).toBeGreaterThan(0);
    expect(catchUp.every((url) => new URL(url).searchParams.get('since') === String(before))).toBe(true);

    // And the new article is searchable offline.
    await context.setOffline(true);
    await page.goto(new URL('/kb', server.url).href).catch(() => undefined);
    await search(page, later);
    await expect.poll(() => resultLinks(page).allTextContents()).toEqual([`Pair the ${later} headset`]);
    await context.close();
  });

  test('signed in on a first visit before the service worker took over, the next start with no network still opens it', async () => {
    const word = uniqueWord('quill');
    await publish({ title: `Pair the ${word} headset`, body: `Hold the ${word} button for five seconds.`, locale: 'en' });
    const context = await phoneContext(browser, { serviceWorkers: true });
    // A slow first visit: the worker's script arrives only after the person has signed in.
    let release!: () => void;
    const signedIn = new Promise<void>((resolve) => (release = resolve));
    await context.route('**/sw.js', async (route) => {
      await signedIn;
      await route.continue();
    });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    release();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => syncedKept(page), { timeout: 30_000 }).toBeGreaterThan(0);
    // The worker keeps who is signed in (to answer GET /api/me offline) once the page has asked through it.
    const workerKnowsProfile = async () => (await cachedApiAnswers(page)).some((answer) => answer.path === '/api/me');
    await expect.poll(workerKnowsProfile, { timeout: 15_000 }).toBe(true);

    await context.setOffline(true);
    await page.goto(new URL('/kb', server.url).href);
    await expect.poll(() => searchBox(page).isVisible()).toBe(true);
    await search(page, `${word} headset`);
    await expect.poll(() => resultLinks(page).allTextContents()).toEqual([`Pair the ${word} headset`]);
    await context.close();
  });

  test('switching language offline keeps the copy until the new languages have arrived whole', async () => {
    const word = uniqueWord('vex');
    await publish({ title: `${word} 打印机连不上怎么办`, body: `先检查${word}打印机的网络。`, locale: 'zh-CN' });
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await aliceInChinese(context);
    await expect.poll(() => syncedKept(page, 'zh-CN'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const kept = (await copyState(page))!.kept;

    // Offline, the person switches to Traditional Chinese: the new languages cannot be fetched now.
    await context.setOffline(true);
    await page.evaluate(() => localStorage.setItem('portal.locale', 'zh-TW'));
    await page.reload();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-TW');
    // The old copy is still on the device and still answers (a reset would have emptied it).
    await search(page, word);
    await expect.poll(() => resultLinks(page).allTextContents(), { timeout: 20_000 }).toEqual([`${word} 打印机连不上怎么办`]);
    const during = (await copyState(page))!;
    expect(during.locales).toEqual(['zh-CN', 'en']);
    expect(during.kept).toBe(kept);

    // Back online, the copy in the new languages replaces it in one step.
    await context.setOffline(false);
    await expect.poll(async () => (await copyState(page))?.locales, { timeout: 30_000 }).toEqual(['zh-TW', 'en']);
    expect((await copyState(page))!.syncedAt).not.toBeNull();
    await context.close();
  });

  test('the copy belongs to the person: signing out deletes it, and another person never reads it', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await expect.poll(async () => (await copyState(page))?.syncedAt ?? null, { timeout: 30_000 }).not.toBeNull();
    const header = page.getByRole('banner');
    await header.getByRole('button', { name: 'Menu' }).click();
    await header.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await expect.poll(() => copyState(page)).toBeNull();

    // A session that ends unseen (the cookie gone) leaves alice's copy until the next sign-in,
    // which makes it bob's: emptied and filled afresh, never alice's with bob's name on it.
    await signIn(page, 'alice');
    await expect.poll(async () => (await copyState(page))?.syncedAt ?? null, { timeout: 30_000 }).not.toBeNull();
    await context.clearCookies();
    await page.goto(new URL('/sign-in', server.url).href);
    await signIn(page, 'bob');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await expect.poll(async () => (await copyState(page))?.owner ?? null, { timeout: 30_000 }).toBe('bob');
    await context.close();
  });

  test('a copy database left without its stores (opened empty by something else) is started afresh', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    // What an open asking for no version leaves when the database did not exist: version 1, no stores.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('portal-kb-offline');
          open.onsuccess = () => (open.result.close(), resolve());
          open.onerror = () => reject(open.error);
        }),
    );
    await signIn(page, 'alice');
    await expect.poll(async () => (await copyState(page))?.syncedAt ?? null, { timeout: 30_000 }).not.toBeNull();
    expect((await copyState(page))!.owner).toBe('alice');
    await context.close();
  });
});

/** Markdown that tries every trick: read offline, none of it may run or reach the page as markup. */
function xssMarkdown(word: string): string {
  return [
    `## ${word} setup`,
    `<script>window.__pwned = "script"</script> ${word} script`,
    `<img src=x onerror="window.__pwned = 'onerror'"> ${word} image`,
    `[click ${word}](javascript:window.__pwned="link")`,
    `[data ${word}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
    '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)',
    `<svg onload="window.__pwned = 'svg'"><circle r="5"/></svg> ${word} svg`,
    '[JaVaScRiPt](JaVaScRiPt:window.__pwned="mixed-case")',
    '<a href="javascript:alert(1)">raw anchor</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
  ].join('\n\n');
}

/** What could run inside the given parts of the page: nothing, if rendering is right. */
function dangerousMarkup(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const found: string[] = [];
    for (const root of document.querySelectorAll(sel)) {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'svg', 'iframe', 'object', 'embed', 'style', 'form', 'img'].includes(tag)) found.push(`<${tag}>`);
        for (const attr of el.attributes) {
          if (attr.name.startsWith('on')) found.push(`${tag}[${attr.name}]`);
          if (['href', 'src'].includes(attr.name) && /^\s*(javascript|data:|vbscript)/i.test(attr.value))
            found.push(`${tag}[${attr.name}]`);
        }
      }
    }
    return found;
  }, selector);
}

describe('articles read offline stay inert', () => {
  test('script, event handlers, javascript: and data: links and SVG in an article do nothing in offline results, the article and suggestions', async () => {
    const word = uniqueWord('xss');
    await publish({ title: `The ${word} trap`, body: xssMarkdown(word), locale: 'en' });
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await waitForServiceWorkerControl(page);
    await page.goto(new URL('/kb', server.url).href);
    // The copy may have finished syncing on the home page already: the person has the search page
    // in front of them before the network goes (offline mid-load is another story).
    await expect.poll(() => searchBox(page).isVisible()).toBe(true);
    await expect.poll(() => syncedKept(page), { timeout: 30_000 }).toBeGreaterThan(0);

    await context.setOffline(true);
    await search(page, `${word} script`);
    await expect.poll(() => resultLinks(page).allTextContents()).toEqual([`The ${word} trap`]);
    await expect.poll(() => page.getByTestId('kb-offline-note').count()).toBe(1);
    // The snippet shows the words (marked), never the markup.
    await expect.poll(() => page.locator('.kb-list__snippet mark').count()).toBeGreaterThan(0);
    expect(await dangerousMarkup(page, '.kb-list')).toEqual([]);

    await resultLinks(page).first().click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`The ${word} trap`);
    await expect.poll(() => page.locator('.kb-body').count()).toBe(1);
    expect(await dangerousMarkup(page, '.kb-body')).toEqual([]);
    for (const link of await page.locator('.kb-body a').all()) await link.click({ timeout: 1000 }).catch(() => undefined);

    await page.goto(new URL('/help', server.url).href).catch(() => undefined);
    const box = page.getByLabel('What you need help with');
    await box.fill('');
    await box.pressSequentially(`the ${word} image will not load`, { delay: 10 });
    const suggestions = page.getByRole('region', { name: 'These articles may help' });
    await expect.poll(() => suggestions.getByRole('link').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await dangerousMarkup(page, '.kb-suggest')).toEqual([]);

    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    await context.close();
  });
});

describe('suggestions while describing a problem', () => {
  test('the best articles appear under the text, open in a new tab, and the text stays; offline too', async () => {
    const word = uniqueWord('plim');
    await publish({
      title: `Fix the ${word} docking station flicker`,
      body: `If the ${word} docking station makes the monitor flicker, replace the cable.`,
      locale: 'en',
    });
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await waitForServiceWorkerControl(page);
    await expect.poll(() => syncedKept(page), { timeout: 30_000 }).toBeGreaterThan(0);

    await page.goto(new URL('/help', server.url).href);
    const box = page.getByLabel('What you need help with');
    const text = `my ${word} docking station flickers all the time`;
    await box.fill('');
    await box.pressSequentially(text, { delay: 10 });
    const suggestions = page.getByRole('region', { name: 'These articles may help' });
    await expect
      .poll(() => suggestions.getByRole('link').first().textContent(), { timeout: 15_000 })
      .toContain(`Fix the ${word} docking station flicker`);
    expect(await suggestions.getByRole('link').first().getAttribute('target')).toBe('_blank');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'may help' }).count()).toBeGreaterThan(0);

    // Opening one leaves the form as it was.
    const [tab] = await Promise.all([context.waitForEvent('page'), suggestions.getByRole('link').first().click()]);
    await tab!.waitForLoadState();
    await expect.poll(() => tab!.getByRole('heading', { level: 1 }).textContent()).toBe(`Fix the ${word} docking station flicker`);
    await tab!.close();
    expect(await box.inputValue()).toBe(text);

    // Offline, the device's copy suggests the same article.
    await context.setOffline(true);
    await box.fill('');
    await box.pressSequentially(`${word} docking station flickering again`, { delay: 10 });
    await expect
      .poll(() => suggestions.getByRole('link').first().textContent(), { timeout: 15_000 })
      .toContain(`Fix the ${word} docking station flicker`);
    await context.close();
  });
});
