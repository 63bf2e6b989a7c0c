import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Delivery } from '../../../../shared/requests';
import { requestsApi } from '../requests/api';
import type { DeviceRequest, DeviceRequestSummary } from '../requests/types';

/** The help desk's hand-overs: approved requests waiting for a device, and the one write that hands it over. */
export const useFulfilStore = defineStore('fulfil', () => {
  const queue = ref<DeviceRequestSummary[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<unknown>(null);

  async function loadQueue(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      queue.value = (await requestsApi.fulfilmentQueue()).items;
      loaded.value = true;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  const loadRequest = (id: number | string): Promise<DeviceRequest> => requestsApi.one(id);
  const fulfil = (id: number, assetTags: string[], delivery: Delivery): Promise<DeviceRequest> =>
    requestsApi.fulfil(id, { assetTags, delivery });
  return { queue, loading, loaded, error, loadQueue, loadRequest, fulfil };
});
