import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { openSignIn, signIn, signOut, waitForServiceWorkerControl } from './support/portal.js';
import { startReleaseProxy, type ReleaseProxy } from './support/release-proxy.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let proxy: ReleaseProxy;
let browser: Browser;

beforeAll(async () => {
  // Pages are opened through the proxy (so a test can "deploy" a new service worker); the
  // server must see the proxy's origin as its own for its CSRF check.
  proxy = await startReleaseProxy();
  [server, browser] = await Promise.all([startTestServer({ env: { PUBLIC_URL: proxy.url } }), launchBrowser()]);
  proxy.forwardTo(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await proxy?.close();
});

/** Reads width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    return urls;
  });
}

const offlineBanner = (page: Page) => page.getByRole('status').filter({ hasText: 'You are offline.' });

describe('installable, offline-capable app', () => {
  test('the manifest is linked and complete, its icons load, and a service worker takes control', async () => {
    const context = await desktopContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, proxy.url);

    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBeTruthy();
    const manifestResponse = await page.request.get(new URL(href!, page.url()).href);
    expect(manifestResponse.status()).toBe(200);
    const manifest = (await manifestResponse.json()) as Record<string, unknown> & {
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    expect(manifest).toMatchObject({
      name: 'Employee IT Portal',
      short_name: 'IT Portal',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      lang: 'en',
    });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);

    const wanted = [
      { sizes: '192x192', purpose: 'any' },
      { sizes: '512x512', purpose: 'any' },
      { sizes: '512x512', purpose: 'maskable' },
    ];
    for (const { sizes, purpose } of wanted) {
      const icon = manifest.icons.find((i) => i.sizes === sizes && (i.purpose ?? 'any').split(' ').includes(purpose));
      expect(icon, `${sizes} ${purpose} icon`).toBeDefined();
      const response = await page.request.get(new URL(icon!.src, page.url()).href);
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toBe('image/png');
      const [width, height] = sizes.split('x').map(Number);
      expect(pngSize(await response.body())).toEqual({ width, height });
    }

    for (const rel of ['apple-touch-icon', 'icon']) {
      for (const link of await page.locator(`link[rel="${rel}"]`).all()) {
        const response = await page.request.get(new URL((await link.getAttribute('href'))!, page.url()).href);
        expect(response.status(), `${rel} ${await link.getAttribute('href')}`).toBe(200);
      }
    }

    // Chromium's own verdict on installability (the same check behind its install prompt).
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    // Test contexts are incognito-like, which Chromium reports on its own; nothing else may be wrong.
    expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);

    await waitForServiceWorkerControl(page);
    await page.reload();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(new URL('/sw.js', proxy.url).href);

    // The precache holds the app shell, and never the staff/HR/admin code.
    await expect.poll(async () => (await cachedUrls(page)).some((u) => /\/assets\/index-.*\.js/.test(u))).toBe(true);
    const cached = await cachedUrls(page);
    expect(cached.some((u) => u.endsWith('/index.html') || u.includes('/index.html?'))).toBe(true);
    expect(cached.filter((u) => u.includes('/assets/role-'))).toEqual([]);
    await context.close();
  });

  test('offline, the shell and the last-known profile still show, with an offline banner', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, proxy.url);
    await waitForServiceWorkerControl(page);
    await signIn(page, 'alice');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Anderson');
    // One online visit to a signed-in page lets the service worker keep who is signed in.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Anderson');
    expect(await offlineBanner(page).count()).toBe(0);

    await context.setOffline(true);
    await expect.poll(() => offlineBanner(page).count()).toBe(1); // the live page notices too
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Anderson');
    expect(await page.getByRole('region', { name: 'Your profile' }).textContent()).toContain('Software Engineer');
    await expect.poll(() => offlineBanner(page).isVisible()).toBe(true);

    // A deep link opened offline still gets the shell (navigation fallback), not an error page.
    await page.goto(new URL('/team', proxy.url).href);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');

    await context.setOffline(false);
    await expect.poll(() => offlineBanner(page).count()).toBe(0);
    await context.close();
  });

  test('after signing out, an offline reload shows nobody’s profile', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, proxy.url);
    await waitForServiceWorkerControl(page);
    await signIn(page, 'bob');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Bob Brown');
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Bob Brown');

    await signOut(page);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await expect.poll(async () => (await cachedUrls(page)).filter((u) => u.endsWith('/api/me'))).toEqual([]);

    await context.setOffline(true);
    await page.goto(new URL('/', proxy.url).href);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.getByText('Bob Brown').count()).toBe(0);
    await context.close();
  });

  test('when a new version is deployed, an accessible prompt offers to reload into it', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, proxy.url);
    await waitForServiceWorkerControl(page);
    const prompt = page.getByRole('status').filter({ hasText: 'A new version of the portal is available.' });
    expect(await prompt.count()).toBe(0);

    proxy.release();
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect.poll(() => prompt.count(), { timeout: 20_000 }).toBe(1);

    // "Reload" switches to the waiting version and reloads once it is in control.
    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    expect(await prompt.count()).toBe(0);
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return { waiting: registration?.waiting ?? null, controlled: navigator.serviceWorker.controller !== null };
    });
    expect(state).toEqual({ waiting: null, controlled: true });
    await context.close();
  });
});
