/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell, serves it for navigations (never for /api),
 * and keeps the last answers of /api/me and /api/info so the offline shell still knows who
 * was signed in. A new version waits until the page asks it to take over (SKIP_WAITING).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst, NetworkOnly } from 'workbox-strategies';
import { clientsClaim } from 'workbox-core';
import { SESSION_CACHE } from './cache-names';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string; revision: string | null }> };

// Role-area chunks are left out of this list at build time: employees never download them.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Deep links and reloads get the shell; the API must always answer for itself (a 404 there
// must stay a 404, and a session check must never be answered with HTML).
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api(\/|$)/] }));

// Resets, recovery and help-desk answers carry one-time codes, flow state and secrets: always
// the network, never a cache, whatever broader /api caching is added later (the first matching
// route wins, so these stay first). Only GETs could ever be cached; other methods pass through.
const NEVER_CACHED = /^\/api\/(password|recovery|helpdesk|demo)(\/|$)/;
registerRoute(({ url }) => url.origin === self.location.origin && NEVER_CACHED.test(url.pathname), new NetworkOnly());

// Network first, so a fresh answer always wins; the short timeout keeps a flaky connection
// from stalling the shell. Only 200 answers are kept (a 401 is never cached).
registerRoute(
  ({ url, request }) =>
    request.method === 'GET' && url.origin === self.location.origin && (url.pathname === '/api/me' || url.pathname === '/api/info'),
  new NetworkFirst({ cacheName: SESSION_CACHE, networkTimeoutSeconds: 3 }),
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// On first install take control at once, so the very first visit already works offline.
// (Updates still wait for SKIP_WAITING above; claiming only affects uncontrolled pages.)
clientsClaim();
