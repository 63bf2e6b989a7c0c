import type { CreateRequestBody, DelegationBody, DeviceReportKind, Delivery } from '../../../../shared/requests';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';

/**
 * The device-request calls, typed from the server's routes: a renamed field breaks the build.
 * Stores call these; each write is one function, so the offline outbox can take them over.
 */
export type NewRequest = CreateRequestBody;

const param = (id: number | string) => ({ param: { id: String(id) } });

export const requestsApi = {
  catalog: () => okJson(api.catalog.$get({ query: {} })),
  /** The key is made once per submission and sent again on a retry, so a lost answer never makes two requests. */
  create: (body: NewRequest, idempotencyKey: string) =>
    okJson(api.requests.$post({ json: body }, { headers: { 'Idempotency-Key': idempotencyKey } })),
  mine: () => okJson(api.requests.$get({ query: {} })),
  one: (id: number | string) => okJson(api.requests[':id'].$get(param(id))),
  cancel: (id: number | string) => okJson(api.requests[':id'].cancel.$post({ ...param(id), json: {} })),
  receive: (id: number | string) => okJson(api.requests[':id'].receive.$post(param(id))),
  fulfil: (id: number | string, body: { assetTags: string[]; delivery: Delivery }) =>
    okJson(
      api.requests[':id'].fulfil.$post({
        ...param(id),
        json: body.assetTags.length === 1 ? { assetTag: body.assetTags[0], delivery: body.delivery } : body,
      }),
    ),
  fulfilmentQueue: () => okJson(api.fulfilment.$get()),
  approvals: () => okJson(api.approvals.$get()),
  /** Like `create`, a decision carries an Idempotency-Key: resent after a lost answer, it is applied once. */
  decide: (id: number, body: { decision: 'approve' | 'reject'; comment: string }, idempotencyKey: string) =>
    okJson(api.approvals[':id'].decision.$post({ ...param(id), json: body }, { headers: { 'Idempotency-Key': idempotencyKey } })),
  devices: () => okJson(api.me.devices.$get()),
  reportDevice: (tag: string, body: { kind: DeviceReportKind; description: string }) =>
    okJson(api.me.devices[':tag'].reports.$post({ param: { tag }, json: body })),
  notifications: () => okJson(api.notifications.$get()),
  markRead: (ids: number[] | 'all') => okJson(api.notifications.read.$post({ json: ids === 'all' ? {} : { ids } })),
  delegation: () => okJson(api.me.delegation.$get()),
  setDelegation: (body: DelegationBody) => okJson(api.me.delegation.$put({ json: body })),
  endDelegation: () => okJson(api.me.delegation.$delete()),
};
