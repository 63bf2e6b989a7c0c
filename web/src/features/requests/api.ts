import type { ClientResponse } from 'hono/client';
import { portalFetch } from '../../api/client';
import { okEmpty, okJson } from '../../api/errors';
import type { Approval, CatalogItem, Delegation, DeviceRequest, Device, Notification } from './types';

// PROVISIONAL transport until the typed routes land: same fetch (session, re-auth), same errors.
async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = portalFetch(path, init) as unknown as Promise<ClientResponse<T, 200, 'json'>>;
  if (method !== 'GET' && body === undefined) return (await okJson(response)) as T;
  return (await okJson(response)) as T;
}

export interface NewRequest {
  modelId: string;
  quantity?: number;
  justification: string;
  onBehalfOf?: string;
  neededBy?: string;
  loanFrom?: string;
  loanUntil?: string;
}

export const requestsApi = {
  catalog: () => call<{ items: CatalogItem[] }>('GET', '/api/catalog'),
  create: (body: NewRequest, idempotencyKey: string) =>
    call<DeviceRequest>('POST', '/api/requests', body, { 'Idempotency-Key': idempotencyKey }),
  mine: () => call<{ requests: DeviceRequest[] }>('GET', '/api/requests'),
  one: (id: string) => call<DeviceRequest>('GET', `/api/requests/${encodeURIComponent(id)}`),
  cancel: (id: string) => call<DeviceRequest>('POST', `/api/requests/${encodeURIComponent(id)}/cancel`),
  receive: (id: string) => call<DeviceRequest>('POST', `/api/requests/${encodeURIComponent(id)}/receive`),
  fulfil: (id: string, body: { assetTag: string; handover: 'ready_for_pickup' | 'shipped' }) =>
    call<DeviceRequest>('POST', `/api/requests/${encodeURIComponent(id)}/fulfil`, body),
  approvals: () => call<{ approvals: Approval[] }>('GET', '/api/approvals'),
  decide: (id: string, body: { decision: 'approve' | 'reject'; comment: string }) =>
    call<DeviceRequest>('POST', `/api/approvals/${encodeURIComponent(id)}/decision`, body),
  devices: () => call<{ devices: Device[] }>('GET', '/api/me/devices'),
  reportDevice: (tag: string, body: { kind: 'problem' | 'return' | 'replacement'; description: string }) =>
    call<unknown>('POST', `/api/me/devices/${encodeURIComponent(tag)}/reports`, body),
  notifications: () => call<{ notifications: Notification[]; unread: number }>('GET', '/api/notifications'),
  markRead: (ids: string[] | 'all') => call<unknown>('POST', '/api/notifications/read', ids === 'all' ? { all: true } : { ids }),
  delegation: () => call<{ delegation: Delegation | null }>('GET', '/api/me/delegation'),
  setDelegation: (body: Delegation) => call<unknown>('PUT', '/api/me/delegation', body),
  endDelegation: () => okEmpty(portalFetch('/api/me/delegation', { method: 'DELETE' }) as never),
};
