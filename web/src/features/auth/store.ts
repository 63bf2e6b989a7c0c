import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LoginRequest, Me } from '../../../../shared/auth';
import { api } from '../../api/client';
import { ApiError, okEmpty, okJson } from '../../api/errors';
import { SESSION_CACHE } from '../../pwa/cache-names';

/**
 * Whether this browser signed in before. Without it we skip `GET /api/me` for first-time
 * visitors: no pointless 401 on the sign-in page. It holds no personal data.
 */
const SIGNED_IN_KEY = 'portal.signed-in';

function rememberSignIn(on: boolean): void {
  try {
    if (on) localStorage.setItem(SIGNED_IN_KEY, '1');
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // Storage can be off (private mode); we then just ask the server every time.
  }
}

function signedInBefore(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_KEY) === '1';
  } catch {
    return true;
  }
}

/** Drops the profile the service worker kept for offline use, so nobody else sees it later. */
async function forgetOfflineProfile(): Promise<void> {
  if ('caches' in window) await caches.delete(SESSION_CACHE).catch(() => false);
}

/** Who is signed in. `me` is null when nobody is (or the session ended). */
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null);
  /** True once we know whether someone is signed in. */
  const resolved = ref(false);
  let pending: Promise<void> | null = null;

  const signedIn = computed(() => me.value !== null);

  async function fetchMe(): Promise<void> {
    if (!signedInBefore()) {
      me.value = null;
      return;
    }
    try {
      me.value = await okJson(api.me.$get());
    } catch (error) {
      // Offline with nothing cached: we cannot know, so treat as signed out; 401 likewise.
      me.value = null;
      if (error instanceof ApiError && error.status === 401) rememberSignIn(false);
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
    const { user } = await okJson(api.auth.login.$post({ json: credentials }));
    me.value = user;
    resolved.value = true;
    rememberSignIn(true);
    return user;
  }

  /** Forgets the session locally, e.g. after a 401 or once the server has signed us out. */
  function clear(): void {
    me.value = null;
    resolved.value = true;
    rememberSignIn(false);
    void forgetOfflineProfile();
  }

  /** Ends the session on the server, then here. Throws ApiError `network` when offline. */
  async function signOut(): Promise<void> {
    await okEmpty(api.auth.logout.$post({ json: {} }));
    clear();
  }

  return { me, resolved, signedIn, ensureResolved, signIn, signOut, clear };
});
