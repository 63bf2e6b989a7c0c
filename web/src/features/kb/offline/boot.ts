/**
 * Starts the offline knowledge base once someone is signed in, after the page is up, and deletes
 * it when their session ends. Kept tiny and free of the worker's code: the first load stays light.
 */
import { watch, type Ref } from 'vue';

interface SessionLike {
  readonly me: { username: string } | null;
  readonly resolved: boolean;
}

const client = () => import('./client');

/**
 * Runs `start` once the browser is idle (or after 5 s at the latest): the offline copy is a
 * background download and must not compete with the first screen for the network or the CPU.
 */
function whenIdle(start: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 5000 });
  else setTimeout(start, 1000);
}

export function installOfflineKb(session: SessionLike, locale: Ref<string>): void {
  if (typeof Worker === 'undefined' || typeof indexedDB === 'undefined') return;
  watch(
    () => [session.resolved, session.me?.username ?? null, locale.value] as const,
    ([resolved, username, uiLocale], previous) => {
      if (!resolved) return;
      if (username) {
        whenIdle(() => void client().then((kb) => kb.startOfflineKb(username, uiLocale)));
        return;
      }
      // Signed out, or the session ended under us (a 401): nobody may read the last person's copy.
      // A page that starts signed out deletes nothing: it cannot tell an ended session from an
      // unreachable server (when the copy matters most); the next sign-in of someone else replaces it.
      if (previous?.[1] != null) void client().then((kb) => kb.forgetOfflineKb());
    },
    { immediate: true },
  );
}
