import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { openSignIn, waitForServiceWorkerControl } from './support/portal.js';

/**
 * The service worker's side of web push in Chromium. A push service cannot run here, so the message
 * is handed to the service worker through Chromium's DevTools protocol (as the browser does when a
 * push arrives); what the worker makes of it is real.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('push notifications', () => {
  test('a pushed approval shows as a notification with approve and reject buttons and the approval as its page', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    await context.grantPermissions(['notifications'], { origin: server.url });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await waitForServiceWorkerControl(page);

    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: { registrationId: string; scopeURL: string }[] }) =>
      registrations.push(...event.registrations),
    );
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrations.some((r) => r.scopeURL.startsWith(server.url))).toBe(true);
    const message = {
      title: 'Approval waiting',
      body: 'Test Person asks for a laptop',
      url: '/approvals/42',
      tag: 'approval-42',
      actions: [
        { action: 'approve', title: 'Approve' },
        { action: 'reject', title: 'Reject' },
      ],
    };
    const deliver = (data: string) =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId: registrations.find((r) => r.scopeURL.startsWith(server.url))!.registrationId,
        data,
      });

    const shown = () =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          data: n.data as unknown,
          actions: ((n as Notification & { actions?: { action: string; title: string }[] }).actions ?? []).map((a) => ({
            action: a.action,
            title: a.title,
          })),
        }));
      });
    // Delivered again until it shows (a worker still starting may miss one); the same tag replaces, never stacks.
    await expect
      .poll(async () => (await deliver(JSON.stringify(message)), await shown()), { timeout: 20_000 })
      .toEqual([
        {
          title: 'Approval waiting',
          body: 'Test Person asks for a laptop',
          tag: 'approval-42',
          data: { url: '/approvals/42' },
          actions: message.actions,
        },
      ]);

    // A push the worker does not understand shows nothing (and changes nothing).
    await deliver('not json');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await shown()).length).toBe(1);
    await context.close();
  });
});
