import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { requestsApi } from '../requests/api';
import type { Approval, Delegation, DeviceRequest } from '../requests/types';

export type Decision = 'approve' | 'reject';

/** What waits for the signed-in person's decision, and their stand-in while away. */
export const useApprovalsStore = defineStore('approvals', () => {
  const queue = ref<Approval[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      queue.value = (await requestsApi.approvals()).approvals;
      loaded.value = true;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  const byId = (id: string) => computed(() => queue.value.find((approval) => approval.id === id) ?? null);

  /** The one write of an approver (the offline outbox can take it over here). The decided item leaves the queue. */
  async function decide(id: string, decision: Decision, comment: string): Promise<DeviceRequest> {
    const request = await requestsApi.decide(id, { decision, comment });
    queue.value = queue.value.filter((approval) => approval.id !== id);
    return request;
  }

  const delegation = ref<Delegation | null>(null);
  const loadDelegation = async () => (delegation.value = (await requestsApi.delegation()).delegation);
  async function saveDelegation(next: Delegation): Promise<void> {
    await requestsApi.setDelegation(next);
    delegation.value = next;
  }
  async function endDelegation(): Promise<void> {
    await requestsApi.endDelegation();
    delegation.value = null;
  }

  return { queue, loading, loaded, error, load, byId, decide, delegation, loadDelegation, saveDelegation, endDelegation };
});
