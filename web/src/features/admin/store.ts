import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AuditEventView } from '../../../../shared/people';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';

/** How many recent audit events the admin page shows. */
export const RECENT_EVENTS = 50;

/** The most recent entries of the append-only audit trail. */
export const useAuditLog = defineStore('audit-log', () => {
  const events = ref<AuditEventView[]>([]);
  const loading = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      events.value = (await okJson(api.admin.audit.$get({ query: { limit: String(RECENT_EVENTS) } }))).events;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  return { events, loading, error, load };
});
