import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LoginRequest, Me } from '../../../../shared/auth';
import { api } from '../../api/client';
import { ApiError, okEmpty, okJson } from '../../api/errors';
import { OFFLINE_COPY_HEADER, personalCachesToDrop } from '../../pwa/session-cache';

/**
 * The tag of the session this browser last knew to be live (see SessionInfo in shared/auth.ts):
 * not a secret, and no personal data. Absent: nobody is signed in here, so first-time visitors
 * skip `GET /api/me` (no pointless 401 on the sign-in page). Earlier versions stored '1'
 * (signed in, tag not known yet): the server is asked, and no offline copy is trusted until it answers.
 */
const SESSION_KEY = 'portal.signed-in';

function rememberSession(tag: string | null): void {
  try {
    if (tag !== null) localStorage.setItem(SESSION_KEY, tag);
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage can be off (private mode); we then just ask the server every time.
  }
}

/** The known session's tag, '' when someone may be signed in but we cannot tell which session, null when nobody is. */
function knownSession(): string | null {
  try {
    return localStorage.getItem(SESSION_KEY);
  } catch {
    return '';
  }
}

/**
 * Drops the offline copies of personal answers of every session but `keep` (all when null), so
 * nobody who uses this browser later sees them. The service worker does the same when it sees the
 * session end; this covers a page the worker does not control (yet).
 */
async function dropOfflineCopies(keep: string | null): Promise<void> {
  if (!('caches' in window)) return;
  const names = await caches.keys().catch(() => []);
  await Promise.all(personalCachesToDrop(names, keep).map((name) => caches.delete(name).catch(() => false)));
}

/** Who is signed in. `me` is null when nobody is (or the session ended). */
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null);
  /** True once we know whether someone is signed in. */
  const resolved = ref(false);
  let pending: Promise<void> | null = null;

  const signedIn = computed(() => me.value !== null);

  async function fetchMe(): Promise<void> {
    const known = knownSession();
    if (known === null) {
      me.value = null;
      return;
    }
    try {
      let offlineCopy = false;
      const answer = await okJson(
        api.me.$get().then((response) => {
          offlineCopy = response.headers.get(OFFLINE_COPY_HEADER) !== null;
          return response;
        }),
      );
      const { session, ...profile } = answer;
      // An offline copy is shown only for the session this page knows is ours; the server's own
      // answer is the truth (another tab may have signed someone else in), so it is adopted.
      if (offlineCopy && session.tag !== known) {
        me.value = null;
        return;
      }
      me.value = profile;
      if (!offlineCopy) rememberSession(session.tag);
    } catch (error) {
      // Offline with no copy for our session: we cannot know, so treat as signed out; 401 likewise.
      me.value = null;
      if (error instanceof ApiError && error.status === 401) rememberSession(null);
    }
  }

  /** Resolves the session once; later calls reuse the answer. */
  function ensureResolved(): Promise<void> {
    if (resolved.value) return Promise.resolve();
    pending ??= fetchMe().finally(() => {
      resolved.value = true;
      pending = null;
    });
    return pending;
  }

  /** Signs in; throws ApiError (`invalid_credentials`, `rate_limited`, …) for the page to show. */
  async function signIn(credentials: LoginRequest): Promise<Me> {
    const { user, session } = await okJson(api.auth.login.$post({ json: credentials }));
    me.value = user;
    resolved.value = true;
    rememberSession(session.tag);
    void dropOfflineCopies(session.tag);
    return user;
  }

  /** Forgets the session locally, e.g. after a 401 or once the server has signed us out. */
  function clear(): void {
    me.value = null;
    resolved.value = true;
    rememberSession(null);
    void dropOfflineCopies(null);
  }

  /** Ends the session on the server, then here. Throws ApiError `network` when offline. */
  async function signOut(): Promise<void> {
    // Before the session ends (the server only lets its owner remove a subscription).
    await import('../../pwa/push').then((push) => push.forgetPushOnThisDevice());
    await okEmpty(api.auth.logout.$post({ json: {} }));
    clear();
  }

  /**
   * Asks the server who is signed in, for the service worker to see the answer. Called when it
   * first takes control of the page: on a first visit the person signed in before it did, so it
   * has no profile to answer with offline (the knowledge base's copy needs one) until the page asks
   * through it. The page keeps what it knows: a failed request (a flaky network) changes nothing,
   * and a 401 ends the session through the client's usual handler.
   */
  async function recheck(): Promise<void> {
    if (me.value !== null) await api.me.$get().catch(() => undefined);
  }

  return { me, resolved, signedIn, ensureResolved, signIn, signOut, clear, recheck };
});
