/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell, serves it for navigations (never for /api), and
 * keeps offline copies of a few API answers. Personal answers (PERSONAL_API_PATHS) are kept only
 * under the session they belong to and dropped when it ends, whatever ends it (see
 * session-cache.ts); /api/info is the same for everyone and kept across sessions. A new version
 * waits until the page asks it to take over (SKIP_WAITING).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst, NetworkOnly } from 'workbox-strategies';
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  answerEndsSession,
  currentTagOf,
  isPersonalApiPath,
  isPublicApiPath,
  NEVER_CACHED,
  OFFLINE_COPY_HEADER,
  offlineCopyUsable,
  personalCacheName,
  personalCachesToDrop,
  PUBLIC_CACHE,
  SESSION_META_PATH,
  sessionMetaFrom,
  SIGN_IN_PATH,
  type SessionMeta,
} from './session-cache';
import { notificationTarget, parsePushMessage } from '../../../shared/push-message';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string; revision: string | null }> };

/** How long a personal answer may keep the page waiting before an offline copy is shown instead. */
const NETWORK_TIMEOUT_MS = 3000;
const ME_PATH = '/api/me';

// Role-area chunks are left out of this list at build time: employees never download them.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Cache bookkeeping (adopting a session, storing a copy, dropping copies) runs one step at a time,
// so a sign-out's deletion can never be overtaken by a late write of the previous session's answer.
let bookkeeping: Promise<unknown> = Promise.resolve();
function serialized<T>(step: () => Promise<T>): Promise<T> {
  const run = bookkeeping.then(step, step);
  bookkeeping = run.catch(() => undefined);
  return run;
}

/** Deletes every personal copy except those of session `keep` (none when null). */
async function dropPersonalCopies(keep: string | null): Promise<void> {
  const names = await caches.keys();
  await Promise.all(personalCachesToDrop(names, keep).map((name) => caches.delete(name)));
}

/** Makes `meta.tag` the only session with personal copies and records when it ends at the latest. */
async function adoptSession(meta: SessionMeta): Promise<Cache> {
  await dropPersonalCopies(meta.tag);
  const cache = await caches.open(personalCacheName(meta.tag));
  await cache.put(SESSION_META_PATH, new Response(JSON.stringify(meta), { headers: { 'Content-Type': 'application/json' } }));
  return cache;
}

async function readMeta(cache: Cache): Promise<SessionMeta | null> {
  const stored = await cache.match(SESSION_META_PATH);
  return stored ? ((await stored.json().catch(() => null)) as SessionMeta | null) : null;
}

/** Watches every API answer: one that ends the session (401, sign-out) drops all personal copies at once. */
const sessionWatch: WorkboxPlugin = {
  async fetchDidSucceed({ request, response }) {
    if (answerEndsSession(request.method, new URL(request.url).pathname, response.status)) {
      await serialized(() => dropPersonalCopies(null));
    }
    return response;
  },
};

/** Updates the personal copies from a network answer. `sentUnder` is the session that had copies when the request left. */
async function keepPersonal(request: Request, response: Response, sentUnder: string | null): Promise<void> {
  const url = new URL(request.url);
  if (answerEndsSession(request.method, url.pathname, response.status)) return dropPersonalCopies(null);
  if (response.status !== 200) return;
  if (url.pathname === ME_PATH) {
    // /api/me names its session: the authoritative moment to switch sessions (or learn the first one).
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as { session?: unknown } | null;
    const meta = sessionMetaFrom(body?.session, Date.now());
    if (!meta) return dropPersonalCopies(null);
    await (await adoptSession(meta)).put(request, response);
    return;
  }
  // Other personal answers do not name their session: keep one only if the session did not change
  // while it was on its way, so it cannot land among another person's copies.
  const now = currentTagOf(await caches.keys());
  if (now !== null && now === sentUnder) await (await caches.open(personalCacheName(now))).put(request, response);
}

/** The offline copy of a personal answer, if the current session has one and can still be alive. */
async function personalCopy(request: Request): Promise<Response | null> {
  const tag = currentTagOf(await caches.keys());
  if (tag === null) return null;
  const cache = await caches.open(personalCacheName(tag));
  if (!offlineCopyUsable(await readMeta(cache), tag, Date.now())) {
    // Its session has surely ended (idle or absolute limit) even though nobody saw the 401.
    await dropPersonalCopies(null);
    return null;
  }
  const copy = await cache.match(request);
  if (!copy) return null;
  const headers = new Headers(copy.headers);
  headers.set(OFFLINE_COPY_HEADER, '1');
  return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
}

/** Network first; an offline copy when the network fails or stalls. */
async function personalAnswer(request: Request, event: ExtendableEvent): Promise<Response> {
  const sentUnder = caches.keys().then(currentTagOf);
  const network = fetch(request).then(async (response) => {
    // Finished before the page sees the answer: a 401 has dropped the copies by the time it reacts.
    const under = await sentUnder;
    await serialized(() => keepPersonal(request, response.clone(), under));
    return response;
  });
  event.waitUntil(network.catch(() => undefined));
  const stalled = new Promise<null>((resolve) => setTimeout(() => resolve(null), NETWORK_TIMEOUT_MS));
  const first = await Promise.race([network.catch(() => null), stalled]);
  if (first) return first;
  const copy = await serialized(() => personalCopy(request));
  if (copy) return copy;
  // No copy: a slow answer beats none, and a failed one fails as the network did.
  return network.catch(() => Response.error());
}

/** Sign-in starts a new session: adopt it (dropping every other session's copies) and keep its profile as /api/me. */
async function signInAnswer(request: Request): Promise<Response> {
  const response = await fetch(request);
  if (response.status === 200) {
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as { user?: unknown; session?: unknown } | null;
    await serialized(async () => {
      const meta = sessionMetaFrom(body?.session, Date.now());
      if (!meta || typeof body?.user !== 'object' || body.user === null) return dropPersonalCopies(null);
      // The same profile GET /api/me would answer, so a reload straight after signing in works offline too.
      const me = JSON.stringify({ ...body.user, session: body.session });
      await (await adoptSession(meta)).put(ME_PATH, new Response(me, { headers: { 'Content-Type': 'application/json' } }));
    });
  }
  return response;
}

const sameOrigin = (url: URL) => url.origin === self.location.origin;

// Deep links and reloads get the shell; the API must always answer for itself (a 404 there
// must stay a 404, and a session check must never be answered with HTML). The fulfilment page
// comes from the server too: only its own HTML response allows the camera (Permissions-Policy),
// and the cached shell carries the policy that forbids it.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api(\/|$)/, /^\/fulfil\//] }));

// Resets, recovery and help-desk answers carry one-time codes, flow state and secrets: always
// the network, never a cache, whatever broader /api caching is added later (the first matching
// route wins, so these stay first).
registerRoute(({ url }) => sameOrigin(url) && NEVER_CACHED.test(url.pathname), new NetworkOnly({ plugins: [sessionWatch] }));

registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname === SIGN_IN_PATH,
  ({ request }) => signInAnswer(request),
  'POST',
);

registerRoute(
  ({ url }) => sameOrigin(url) && isPersonalApiPath(url.pathname),
  ({ request, event }) => personalAnswer(request, event),
);

// Network first, so a fresh answer always wins; the short timeout keeps a flaky connection
// from stalling the shell. Only 200 answers are kept.
registerRoute(
  ({ url }) => sameOrigin(url) && isPublicApiPath(url.pathname),
  new NetworkFirst({ cacheName: PUBLIC_CACHE, networkTimeoutSeconds: NETWORK_TIMEOUT_MS / 1000, plugins: [sessionWatch] }),
);

// Every other API call passes straight through, watched for the 401 or sign-out that ends the session.
const apiPassThrough = new NetworkOnly({ plugins: [sessionWatch] });
for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
  registerRoute(({ url }) => sameOrigin(url) && url.pathname.startsWith('/api/'), apiPassThrough, method);
}

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// A new version drops what earlier ones kept without a session (and any leftover of a race).
self.addEventListener('activate', (event) => {
  event.waitUntil(serialized(async () => dropPersonalCopies(currentTagOf(await caches.keys()))));
});

// On first install take control at once, so the very first visit already works offline.
// (Updates still wait for SKIP_WAITING above; claiming only affects uncontrolled pages.)
clientsClaim();

// Web push (server/push/). A notification only shows and opens pages: its approve/reject buttons
// open the approval's confirmation screen, where the person confirms; nothing here fetches or
// changes anything (SECURITY 15: state changes never by GET, nor by a click on a notification).
self.addEventListener('push', (event) => {
  let data: unknown = null;
  try {
    data = event.data?.json() ?? null;
  } catch {
    data = null;
  }
  const message = parsePushMessage(data);
  if (!message) return;
  const options: NotificationOptions & { actions?: { action: string; title: string }[] } = {
    body: message.body,
    tag: message.tag,
    icon: '/icons/icon-192.png',
    badge: '/favicon-32.png',
    data: { url: message.url },
    ...(message.actions ? { actions: message.actions.map((a) => ({ action: a.action, title: a.title })) } : {}),
  };
  event.waitUntil(self.registration.showNotification(message.title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: unknown } | null)?.url;
  const target = new URL(notificationTarget({ url: typeof url === 'string' ? url : '/' }, event.action || undefined), self.location.origin).href;
  event.waitUntil(
    (async () => {
      // An open portal window is reused (navigated there and focused); otherwise a new one opens.
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        const navigated = await open.navigate(target).catch(() => null);
        await (navigated ?? open).focus();
        return;
      }
      await self.clients.openWindow(target);
    })(),
  );
});
