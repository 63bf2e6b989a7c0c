// PROVISIONAL: replaced by re-exports from shared/requests.ts once the server side lands.
export type RequestStatus =
  | 'pending_approval'
  | 'approved'
  | 'backordered'
  | 'ready_for_pickup'
  | 'shipped'
  | 'received'
  | 'rejected'
  | 'cancelled';

export interface CatalogItem {
  id: string;
  category: string;
  manufacturer: string;
  name: string;
  specs: string;
  imageUrl: string | null;
  inStock: number;
  leadTimeDays: number | null;
  eligible: boolean;
  maxQuantity: number;
  loaner: boolean;
}

export interface RequestStep {
  index: number;
  kind: 'manager' | 'group';
  state: 'waiting' | 'pending' | 'approved' | 'rejected' | 'skipped';
  approvers: string[];
  decidedBy: string | null;
  decidedByName: string | null;
  onBehalfOf: string | null;
  decidedAt: string | null;
  comment: string | null;
}

export interface DeviceRequest {
  id: string;
  modelId: string;
  modelName: string;
  category: string;
  requester: string;
  requesterName: string;
  createdBy: string;
  quantity: number;
  justification: string;
  neededBy: string | null;
  loanFrom: string | null;
  loanUntil: string | null;
  status: RequestStatus;
  createdAt: string;
  assetTag: string | null;
  steps: RequestStep[];
  canCancel: boolean;
  canReceive: boolean;
  canFulfil: boolean;
}

export interface Approval {
  id: string;
  request: DeviceRequest;
  stepIndex: number;
}

export interface Device {
  assetTag: string;
  serial: string | null;
  modelName: string;
  category: string;
  assignedAt: string | null;
  warrantyEnd: string | null;
}

export interface Notification {
  id: string;
  kind: string;
  params: Record<string, string | number>;
  link: string;
  createdAt: string;
  readAt: string | null;
}

export interface Delegation {
  delegate: string;
  from: string;
  until: string;
}
