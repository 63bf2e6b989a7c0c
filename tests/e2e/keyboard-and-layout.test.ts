import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneContext, desktopContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { DEMO_PASSWORD, openSignIn, overflowsSideways, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Records layout shifts from the very start of the page, as Lighthouse's CLS does. */
async function watchLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __shift: number };
    w.__shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) w.__shift += entry.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

const layoutShift = (page: Page) => page.evaluate(() => (window as unknown as { __shift: number }).__shift);

describe('keyboard and layout', () => {
  test('the first Tab reaches "Skip to main content", which moves focus past the header', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);

    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await skip.isVisible()).toBe(true); // shown while focused
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sign-in-username');
    await context.close();
  });

  test('the whole sign-in form works from the keyboard alone', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByLabel('Username').focus();
    await page.keyboard.type('bob');
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Bob Brown');
    // After a client-side navigation focus lands on the new page, not back at the top of the header.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await context.close();
  });

  test('on a 390 px phone nothing shifts while the sign-in page loads and no page scrolls sideways', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await watchLayoutShifts(page);
    await openSignIn(page, server.url);
    await expect.poll(() => page.getByRole('region', { name: 'Demo sign-ins' }).isVisible()).toBe(true);
    await page.waitForTimeout(300);
    expect(await layoutShift(page)).toBeLessThan(0.01);
    expect(await overflowsSideways(page)).toBe(false);

    await signIn(page, 'adam'); // the person with the most in the header and the most tiles
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Adam Admin');
    expect(await overflowsSideways(page)).toBe(false);
    for (const area of [
      '/team',
      '/staff?q=an',
      '/admin',
      '/inventory',
      '/inventory/models',
      '/inventory/assets/IT-000001',
      '/inventory/import',
    ]) {
      await page.goto(new URL(area, server.url).href);
      await expect.poll(() => page.getByRole('status').first().textContent()).not.toContain('Loading');
      expect(await overflowsSideways(page), area).toBe(false);
    }
    await context.close();
  });
});
