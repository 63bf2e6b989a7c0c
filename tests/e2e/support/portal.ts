import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../../server/demo/company.js';
import { desktopContext, phoneContext } from '../../harness/browser.js';

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

/** Every cached API answer in this browser: its path and body. */
export async function cachedApiAnswers(page: Page): Promise<{ cache: string; path: string; body: string }[]> {
  return page.evaluate(async () => {
    const answers: { cache: string; path: string; body: string }[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const { pathname } = new URL(request.url);
        if (!pathname.startsWith('/api/')) continue;
        answers.push({ cache: name, path: pathname, body: await (await cache.match(request))!.text() });
      }
    }
    return answers;
  });
}

/** Waits until a service worker controls the page (reloading once if the first visit is not claimed yet). */
export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/** A password the portal's rules accept for the demo people (long, not common, no names). */
export const GOOD_PASSWORDS = ['violet kettle drums at noon', 'seven quiet herons by the pier', 'lemon tractor whistles softly'] as const;

/** The page's main heading, once it says something. */
/** Whether the page scrolls sideways (a layout that does not fit a 390 px phone). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

export async function heading(page: Page): Promise<string> {
  const h1 = page.getByRole('heading', { level: 1 });
  await expect.poll(() => h1.textContent()).toBeTruthy();
  return (await h1.textContent())!.trim();
}

/**
 * Starts "Forgot your password or locked out?" the way a person does: from the sign-in page's
 * link, type the username, pick what they need, continue. Returns on the "Confirm it is you" step.
 */
export async function startForgot(page: Page, baseUrl: string, login: string, need: 'reset' | 'unlock' = 'reset'): Promise<void> {
  await openSignIn(page, baseUrl);
  await page.getByRole('link', { name: 'Forgot your password or locked out?' }).click();
  await expect.poll(() => heading(page)).toBe('Forgot your password or locked out?');
  await page.getByLabel('Username or email').fill(login);
  await page.getByRole('radio', { name: need === 'reset' ? /Reset my password/ : /Just unlock my account/ }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(() => heading(page)).toBe('Confirm it is you');
}

/** Types a code and presses Confirm. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
}

/** Types a new password and submits it. */
export async function choosePassword(page: Page, password: string): Promise<void> {
  await page.getByLabel('New password').fill(password);
  await page.getByRole('button', { name: 'Change my password' }).click();
}

/** Signs out through the header's menu, as a person does. */
export async function signOut(page: Page): Promise<void> {
  const header = page.getByRole('banner');
  await header.getByRole('button', { name: 'Menu' }).click();
  await header.getByRole('button', { name: 'Sign out' }).click();
}

/**
 * Answers the portal's "Enter your password again" prompt (shown before recovery changes and
 * staff actions) by keyboard, as a person does: focus is already in the field; type, press Enter.
 */
export async function confirmPassword(page: Page, password = DEMO_PASSWORD): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Enter your password again' });
  await expect.poll(() => dialog.isVisible()).toBe(true);
  const field = dialog.getByLabel('Your password');
  await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await expect.poll(() => dialog.isVisible()).toBe(false);
}

/** A page in a context of its own, phone (390 px) or laptop, signed in as `username` and on the home page. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  kind: 'phone' | 'desktop',
  username: string,
  password?: string,
): Promise<Page> {
  const context = await (kind === 'phone' ? phoneContext(browser) : desktopContext(browser));
  const page = await context.newPage();
  await openSignIn(page, baseUrl);
  await signIn(page, username, password);
  await expect.poll(() => heading(page)).toMatch(/^Hello, /);
  return page;
}
