/**
 * Rules for the offline copies of API answers, shared by the service worker and the page.
 *
 * Personal answers (who I am, later my requests, my devices, my approvals) are kept only in a
 * cache named for the session they belong to, and dropped as soon as that session ends for any
 * reason: sign-out, a 401 from any API call, another person signing in, or its idle/absolute
 * limit passing unseen. A shared phone must never show the last person's data to the next one.
 * Pure functions only, so the rules are unit-tested without a browser.
 */

/**
 * The personal API answers kept for offline use. Each entry covers the path itself and every
 * path below it. A new personal screen joins the session-bound cache by adding its path here.
 */
export const PERSONAL_API_PATHS: readonly string[] = ['/api/me'];

/** Answers that are the same for everyone (installation facts), kept across sessions. */
export const PUBLIC_API_PATHS: readonly string[] = ['/api/info'];

export const PUBLIC_CACHE = 'portal-public-v1';

/** Where earlier versions kept /api/me next to /api/info, not bound to a session. */
const LEGACY_CACHES: readonly string[] = ['portal-session-v1'];

const PERSONAL_PREFIX = 'portal-personal-';

/** The key, inside a personal cache, under which the worker keeps when that session ends at the latest. */
export const SESSION_META_PATH = '/__portal/session';

/** Marks an answer the worker served from its offline copies rather than from the server. */
export const OFFLINE_COPY_HEADER = 'X-Portal-Offline-Copy';

/** Sign-in: its 401 means "wrong password", and its answer starts a new session. */
export const SIGN_IN_PATH = '/api/auth/login';
export const SIGN_OUT_PATH = '/api/auth/logout';

/** Paths that must never be served from a cache (one-time codes, flow state, staff answers). */
export const NEVER_CACHED = /^\/api\/(password|recovery|helpdesk|demo)(\/|$)/;

function covers(paths: readonly string[], pathname: string): boolean {
  return paths.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

export function isPersonalApiPath(pathname: string): boolean {
  return !NEVER_CACHED.test(pathname) && covers(PERSONAL_API_PATHS, pathname);
}

export function isPublicApiPath(pathname: string): boolean {
  return !NEVER_CACHED.test(pathname) && covers(PUBLIC_API_PATHS, pathname);
}

/** What the server sends as a session tag (see `sessionInfoSchema` in shared/auth.ts). */
export function isSessionTag(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(value);
}

export function personalCacheName(tag: string): string {
  if (!isSessionTag(tag)) throw new Error('not a session tag');
  return PERSONAL_PREFIX + tag;
}

/** The session tag a cache is named for, or null for a cache that is not a personal one. */
export function tagOfCache(name: string): string | null {
  if (!name.startsWith(PERSONAL_PREFIX)) return null;
  const tag = name.slice(PERSONAL_PREFIX.length);
  return isSessionTag(tag) ? tag : null;
}

/**
 * The caches to delete so that only the session `keep` (or none) has personal copies left:
 * every other personal cache, anything with our personal prefix that is malformed, and the
 * legacy cache that held /api/me without a session.
 */
export function personalCachesToDrop(names: readonly string[], keep: string | null): string[] {
  return names.filter(
    (name) => LEGACY_CACHES.includes(name) || (name.startsWith(PERSONAL_PREFIX) && (keep === null || tagOfCache(name) !== keep)),
  );
}

/** The one session with personal copies, if exactly one does (two means a race: trust neither). */
export function currentTagOf(names: readonly string[]): string | null {
  const tags = names.map(tagOfCache).filter((tag): tag is string => tag !== null);
  return tags.length === 1 ? tags[0]! : null;
}

/** When a session ends at the latest, as the worker records it (its own clock, so no skew with the server's). */
export interface SessionMeta {
  tag: string;
  endsAt: number;
}

export function sessionMetaFrom(session: unknown, now: number): SessionMeta | null {
  if (typeof session !== 'object' || session === null) return null;
  const { tag, liveForMs } = session as { tag?: unknown; liveForMs?: unknown };
  if (!isSessionTag(tag) || typeof liveForMs !== 'number' || !Number.isFinite(liveForMs) || liveForMs < 0) return null;
  return { tag, endsAt: now + liveForMs };
}

/** An offline copy may be shown only for the session it belongs to, and only while that session can still be alive. */
export function offlineCopyUsable(meta: SessionMeta | null, tag: string, now: number): boolean {
  return meta !== null && meta.tag === tag && now < meta.endsAt;
}

/**
 * Whether an API answer means the browser's session is over: any 401 (except a wrong password at
 * sign-in, which says nothing about the session) and any answer to sign-out.
 */
export function answerEndsSession(method: string, pathname: string, status: number): boolean {
  if (pathname === SIGN_OUT_PATH && method.toUpperCase() === 'POST') return true;
  return status === 401 && pathname !== SIGN_IN_PATH;
}
