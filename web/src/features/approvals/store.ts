import { defineStore } from 'pinia';
import { ref } from 'vue';
import { requestsApi } from '../requests/api';
import { sendThroughOutbox, type Sent } from '../requests/outbox-writes';
import type { DelegationBody } from '../../../../shared/requests';
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
      queue.value = (await requestsApi.approvals()).items;
      loaded.value = true;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  
  /** The one write of an approver, through the offline outbox: a decision made offline is sent once, when the phone is back online. */
  const decide = (id: number, decision: Decision, comment: string, label: string): Promise<Sent<DeviceRequest>> =>
    sendThroughOutbox<DeviceRequest>({ method: 'POST', path: `/api/approvals/${id}/decision`, body: { decision, comment }, label }, () =>
      requestsApi.decide(id, { decision, comment }, crypto.randomUUID()),
    );

  /** Takes a decided approval off the list (after its card has said what happened). */
  function forget(id: number): void {
    queue.value = queue.value.filter((approval) => approval.id !== id);
  }

  const delegation = ref<Delegation | null>(null);
  async function loadDelegation(): Promise<void> {
    delegation.value = (await requestsApi.delegation()).delegation;
  }
  async function saveDelegation(next: DelegationBody): Promise<void> {
    delegation.value = (await requestsApi.setDelegation(next)).delegation;
  }
  async function endDelegation(): Promise<void> {
    await requestsApi.endDelegation();
    delegation.value = null;
  }

  return { queue, loading, loaded, error, load, decide, forget, delegation, loadDelegation, saveDelegation, endDelegation };
});
