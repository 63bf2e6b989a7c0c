import { defineStore } from 'pinia';
import { requestsApi } from '../requests/api';
import type { DeviceRequest } from '../requests/types';

export type Handover = 'ready_for_pickup' | 'shipped';

/** The help desk's hand-over: one write, so the offline outbox can take it over in one place. */
export const useFulfilStore = defineStore('fulfil', () => {
  const loadRequest = (id: string) => requestsApi.one(id);
  const fulfil = (id: string, assetTag: string, handover: Handover): Promise<DeviceRequest> =>
    requestsApi.fulfil(id, { assetTag, handover });
  return { loadRequest, fulfil };
});
