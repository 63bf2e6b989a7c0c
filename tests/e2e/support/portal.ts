import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../../server/demo/company.js';

export { DEMO_PASSWORD };

/** Where `vite build` put the web app the test server serves. */
export const WEB_DIST = path.resolve('dist/web');

/**
 * Signs in the way a person does: type the username and password, press the button. Returns
 * once the portal has answered (the button no longer says "Signing in…"), right or wrong.
 */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Signing in…' }).count()).toBe(0);
}

/** Opens the portal's sign-in page and waits for the form. */
export async function openSignIn(page: Page, baseUrl: string, pathname = '/sign-in'): Promise<void> {
  await page.goto(new URL(pathname, baseUrl).href);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
}

/** Every URL the pages of this context request from now on (page requests; service workers are blocked by default). */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** The gzip size of a built file, as a compressing server would send it. */
export function gzippedSize(urlPath: string): number {
  return gzipSync(fs.readFileSync(path.join(WEB_DIST, urlPath)), { level: 9 }).length;
}

/** Waits until a service worker controls the page (reloading once if the first visit is not claimed yet). */
export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}
