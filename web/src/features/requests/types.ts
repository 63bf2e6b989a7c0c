// The shapes the server answers with, from the one source both sides share.
export type {
  Approval,
  CatalogItem,
  Delegation,
  Delivery,
  Device,
  DeviceReportKind,
  DeviceRequest,
  DeviceRequestSummary,
  Notification,
  RequestStatus,
  RequestStep,
  TimelineEntry,
} from '../../../../shared/requests';
