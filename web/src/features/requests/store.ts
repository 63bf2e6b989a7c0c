import { defineStore } from 'pinia';
import { ref } from 'vue';
import { requestsApi, type NewRequest } from './api';
import { sendThroughOutbox, type Sent } from './outbox-writes';
import type { CatalogItem, Device, DeviceReportKind, DeviceRequest, DeviceRequestSummary } from './types';

/**
 * An employee's side of device requests: the catalogue, their requests and their devices. Every
 * write is one function here, so the offline outbox can take them over in one place.
 */
export const useRequestsStore = defineStore('requests', () => {
  const catalog = ref<CatalogItem[]>([]);
  const catalogLoading = ref(false);
  const catalogError = ref<unknown>(null);

  async function loadCatalog(): Promise<void> {
    catalogLoading.value = true;
    catalogError.value = null;
    try {
      catalog.value = (await requestsApi.catalog()).items;
    } catch (failure) {
      catalogError.value = failure;
    } finally {
      catalogLoading.value = false;
    }
  }

  const mine = ref<DeviceRequestSummary[]>([]);
  const mineLoading = ref(false);
  const mineError = ref<unknown>(null);

  async function loadMine(): Promise<void> {
    mineLoading.value = true;
    mineError.value = null;
    try {
      mine.value = (await requestsApi.mine()).items;
    } catch (failure) {
      mineError.value = failure;
    } finally {
      mineLoading.value = false;
    }
  }

  /**
   * A new request goes through the offline outbox, which makes its Idempotency-Key when it is
   * queued and keeps it across every resend, so a lost answer never makes two requests.
   */
  function createRequest(body: NewRequest, label: string): Promise<Sent<DeviceRequest>> {
    return sendThroughOutbox<DeviceRequest>({ method: 'POST', path: '/api/requests', body, label }, () =>
      requestsApi.create(body, crypto.randomUUID()),
    );
  }

  const cancelRequest = (id: number): Promise<DeviceRequest> => requestsApi.cancel(id);
  const confirmReceipt = (id: number): Promise<DeviceRequest> => requestsApi.receive(id);
  const loadRequest = (id: number | string): Promise<DeviceRequest> => requestsApi.one(id);

  const devices = ref<Device[]>([]);
  const devicesLoading = ref(false);
  const devicesError = ref<unknown>(null);

  async function loadDevices(): Promise<void> {
    devicesLoading.value = true;
    devicesError.value = null;
    try {
      devices.value = (await requestsApi.devices()).items;
    } catch (failure) {
      devicesError.value = failure;
    } finally {
      devicesLoading.value = false;
    }
  }

  async function reportDevice(tag: string, kind: DeviceReportKind, description: string): Promise<void> {
    await requestsApi.reportDevice(tag, { kind, description });
    await loadDevices();
  }

  return {
    catalog,
    catalogLoading,
    catalogError,
    loadCatalog,
    mine,
    mineLoading,
    mineError,
    loadMine,
    createRequest,
    cancelRequest,
    confirmReceipt,
    loadRequest,
    devices,
    devicesLoading,
    devicesError,
    loadDevices,
    reportDevice,
  };
});
