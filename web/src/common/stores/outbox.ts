import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../../api/errors';
import {
  type AttentionEntry,
  dismiss as dismissEntry,
  listAttention,
  listPending,
  onOutboxChange,
  type OutboxEntry,
  retryAsNew as retryEntry,
  sendPending,
  startOutbox,
} from '../../api/outbox';
import { useSessionStore } from '../../features/auth/store';

/**
 * The outbox for the UI: the signed-in person's writes waiting to be sent and the refused ones
 * ("needs attention"), kept fresh from this tab and every other.
 */
export const useOutboxStore = defineStore('outbox', () => {
  const session = useSessionStore();
  const all = ref<OutboxEntry[]>([]);
  const refused = ref<AttentionEntry[]>([]);
  /** The server asked for a sign-in while writes were waiting. */
  const needsSignIn = ref(false);
  let started = false;

  const me = () => session.me?.username ?? null;
  const pending = computed(() => all.value.filter((e) => e.owner === me()));
  const attention = computed(() => refused.value.filter((e) => e.owner === me()).sort((a, b) => b.refusedAt - a.refusedAt));

  async function refresh(): Promise<void> {
    try {
      [all.value, refused.value] = await Promise.all([listPending(), listAttention()]);
    } catch {
      // No IndexedDB (a private window in some browsers): nothing is queued, nothing to show.
    }
  }

  /** Starts sending (once per tab); call when the app starts and again after a sign-in. */
  function start(): void {
    if (!started) {
      started = true;
      onOutboxChange(() => void refresh());
      startOutbox({
        currentUser: me,
        onSignInNeeded: () => {
          needsSignIn.value = true;
          void refresh();
        },
      });
      void refresh();
    }
  }

  /** After a sign-in: what waited is sent now. */
  async function signedIn(): Promise<void> {
    needsSignIn.value = false;
    await sendPending({ force: true });
    await refresh();
  }

  async function dismiss(key: string): Promise<void> {
    await dismissEntry(key);
    await refresh();
  }

  async function retryAsNew(entry: AttentionEntry): Promise<void> {
    await retryEntry(entry);
    await refresh();
  }

  /** The refusal as an ApiError, for the shared error texts. */
  function errorOf(entry: AttentionEntry): ApiError {
    return new ApiError(entry.status, entry.error.code as ApiError['code'], entry.error.message, entry.error.fields ?? {});
  }

  return { pending, attention, needsSignIn, start, signedIn, refresh, dismiss, retryAsNew, errorOf };
});
