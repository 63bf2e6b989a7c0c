import { defineStore } from 'pinia';
import { ref } from 'vue';
import { requestsApi } from '../requests/api';
import type { Notification } from '../requests/types';

/** How often the unread count is refreshed while the page is open and visible. */
const POLL_MS = 60_000;

/** The in-app list of what changed (requests, approvals), with the unread count the header shows. */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<Notification[]>([]);
  const unread = ref(0);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const answer = await requestsApi.notifications();
      items.value = answer.items;
      unread.value = answer.unread;
      loaded.value = true;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  /** Marks the given notifications (or all) read; the count drops at once and is then taken from the server. */
  async function markRead(ids: number[] | 'all'): Promise<void> {
    const now = new Date().toISOString();
    const hit = (n: Notification) => ids === 'all' || ids.includes(n.id);
    items.value = items.value.map((n) => (hit(n) && !n.readAt ? { ...n, readAt: now } : n));
    unread.value = items.value.filter((n) => !n.readAt).length;
    await requestsApi.markRead(ids);
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  const refreshWhenVisible = () => {
    if (document.visibilityState === 'visible') void load();
  };
  /** Keeps the count fresh while someone is signed in; `stop` when they sign out. */
  function start(): void {
    if (timer) return;
    void load();
    timer = setInterval(refreshWhenVisible, POLL_MS);
    document.addEventListener('visibilitychange', refreshWhenVisible);
  }
  function stop(): void {
    clearInterval(timer);
    timer = undefined;
    document.removeEventListener('visibilitychange', refreshWhenVisible);
    items.value = [];
    unread.value = 0;
    loaded.value = false;
  }

  return { items, unread, loading, loaded, error, load, markRead, start, stop };
});
