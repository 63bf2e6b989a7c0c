import { z } from 'zod';
import { inventoryIdSchema } from './inventory.js';
import type { Role } from './roles.js';

/**
 * Device requests: the catalog as a person sees it, requests and their approval chains, approvals,
 * my devices, device reports and in-app notifications. The rules both sides apply (which
 * transitions a request allows, who may ask for what, what availability reads like) live here, so
 * a button the web app shows is one the server accepts.
 */

// ---------------------------------------------------------------------------------------------
// Small shared pieces

/** A calendar day, `YYYY-MM-DD` (needed-by dates and loan windows are days, not instants). */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2026-12-24.')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'This is not a real date.');

export const idParamSchema = z.strictObject({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });
export const assetTagParamSchema = z.strictObject({ tag: z.string().min(1).max(64) });

/** Longest loan window, in days (a loaner is for a trip or a repair, not a second laptop). */
export const MAX_LOAN_DAYS = 90;
/** Most units of one model in one request, for models where a quantity makes sense. */
export const MAX_QUANTITY = 5;

/** Days between two `YYYY-MM-DD` days (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Today as `YYYY-MM-DD` in UTC for an epoch-ms clock reading. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Catalog

/** How much of a model there is right now, as the catalog shows it. */
export interface Availability {
  /** Units in stock and not promised to anyone. */
  inStock: number;
  /** Days until more arrive when none is in stock; null when unknown. */
  leadTimeDays: number | null;
}

/**
 * What a person reads about availability: "3 in stock", "1 left", or "ships in about 10 days".
 * The web app translates the kind; the numbers come along.
 */
export type AvailabilityLabel =
  | { kind: 'in_stock'; count: number }
  | { kind: 'last_one' }
  | { kind: 'lead_time'; days: number }
  | { kind: 'unavailable' };

export function availabilityLabel(a: Availability): AvailabilityLabel {
  if (a.inStock > 1) return { kind: 'in_stock', count: a.inStock };
  if (a.inStock === 1) return { kind: 'last_one' };
  if (a.leadTimeDays !== null) return { kind: 'lead_time', days: a.leadTimeDays };
  return { kind: 'unavailable' };
}

/** Who may ask for a model: the model's own limits, as the inventory keeps them. */
export interface EligibilityRule {
  requestable: boolean;
  /** Roles that may ask for it; empty = everyone. */
  roles: readonly Role[];
  /** Departments that may ask for it; empty = every department. */
  departments: readonly string[];
}

/** Whom a request is for, as far as eligibility cares. */
export interface EligibilitySubject {
  roles: readonly Role[];
  department: string | null;
}

export type Eligibility = { eligible: true } | { eligible: false; reason: 'not_requestable' | 'role' | 'department' };

/** Whether `subject` may have a model. The server checks it again at request time, for the person the request is for. */
export function eligibilityOf(rule: EligibilityRule, subject: EligibilitySubject): Eligibility {
  if (!rule.requestable) return { eligible: false, reason: 'not_requestable' };
  if (rule.roles.length && !rule.roles.some((role) => subject.roles.includes(role))) return { eligible: false, reason: 'role' };
  if (rule.departments.length) {
    const department = subject.department?.trim().toLowerCase() ?? '';
    if (!rule.departments.some((d) => d.trim().toLowerCase() === department)) return { eligible: false, reason: 'department' };
  }
  return { eligible: true };
}

/**
 * Categories where asking for several units makes sense (cables, mice, headsets): others are one
 * per person and per request. Category names are the inventory's, compared case-insensitively.
 */
export const QUANTITY_CATEGORIES = ['accessories', 'peripherals'] as const;
export function quantityAllowed(category: string): boolean {
  return (QUANTITY_CATEGORIES as readonly string[]).includes(category.trim().toLowerCase());
}

/** Models of this category are loaners: asked for with a date window, booked per day. */
export const LOANER_CATEGORY = 'loaners';
export function isLoaner(category: string): boolean {
  return category.trim().toLowerCase() === LOANER_CATEGORY;
}

/** `GET /api/catalog?query=&category=` */
export const catalogQuerySchema = z.strictObject({
  query: z.string().trim().max(100).optional(),
  category: z.string().trim().min(1).max(100).optional(),
});
export type CatalogQuery = z.infer<typeof catalogQuerySchema>;

/** One model in the catalog, with its availability and whether the caller may ask for it. */
export interface CatalogItem {
  /** The inventory's model id (digits, as a string). */
  modelId: string;
  category: string;
  manufacturer: string;
  name: string;
  /** Free-form specifications ("16 GB RAM, 512 GB SSD"). */
  specs: string;
  imageUrl: string | null;
  /** Price in cents of the company's currency; null when unknown. */
  priceCents: number | null;
  /** A loaner: asked for with a date window and given back at its end. */
  loaner: boolean;
  /** Several units may be asked for in one request (see quantityAllowed). */
  quantityAllowed: boolean;
  availability: Availability;
  label: AvailabilityLabel;
  eligibility: Eligibility;
  /** How many approval steps a request for this model goes through (e.g. 2: manager, then help desk). */
  approvalSteps: ApprovalStepKind[];
}

// ---------------------------------------------------------------------------------------------
// Requests

/**
 * A request's life:
 *
 *   pending_approval (step 1 … n) ──approve last step──▶ approved (unit reserved) ─┐
 *          │                                  └────────▶ backordered (no unit yet)─┼─fulfil─▶ ready_for_pickup ─┐
 *          ├──reject──▶ rejected                                                    └───────▶ shipped ─────────┼─receive─▶ received
 *          └──cancel──▶ cancelled  (also from approved and backordered; a reserved unit is released)
 *
 * "Submitted" is the instant of creation: the first step opens at once (a chain with no steps is
 * approved at once).
 */
export const REQUEST_STATUSES = [
  'pending_approval',
  'approved',
  'backordered',
  'ready_for_pickup',
  'shipped',
  'received',
  'rejected',
  'cancelled',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export type RequestAction = 'approve' | 'reject' | 'cancel' | 'fulfil' | 'receive';

/** The statuses each action may start from; anything else is a 409 `invalid_transition`. */
export const TRANSITIONS: Record<RequestAction, readonly RequestStatus[]> = {
  approve: ['pending_approval'],
  reject: ['pending_approval'],
  cancel: ['pending_approval', 'approved', 'backordered'],
  fulfil: ['approved', 'backordered'],
  receive: ['ready_for_pickup', 'shipped'],
};

export function canTransition(status: RequestStatus, action: RequestAction): boolean {
  return TRANSITIONS[action].includes(status);
}

/** Statuses in which a request is finished: nothing more happens to it. */
export const FINAL_STATUSES: readonly RequestStatus[] = ['received', 'rejected', 'cancelled'];

/** Statuses in which a request holds (or waits for) stock, so cancelling it must release it. */
export const HOLDING_STATUSES: readonly RequestStatus[] = ['approved'];

/** `POST /api/requests` (with an `Idempotency-Key` header). */
export const createRequestSchema = z
  .strictObject({
    modelId: inventoryIdSchema,
    quantity: z.number().int().min(1).max(MAX_QUANTITY).default(1),
    justification: z.string().trim().min(3, 'Say in a few words why it is needed.').max(2000),
    /** Username of the person the request is for (managers for their reports, HR for anyone). */
    onBehalfOf: z.string().trim().min(1).max(256).optional(),
    neededBy: daySchema.optional(),
    loanFrom: daySchema.optional(),
    loanUntil: daySchema.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.loanFrom === undefined) !== (body.loanUntil === undefined)) {
      ctx.addIssue({ code: 'custom', path: [body.loanFrom ? 'loanUntil' : 'loanFrom'], message: 'Give both the first and the last day of the loan.' });
    } else if (body.loanFrom && body.loanUntil) {
      const days = daysBetween(body.loanFrom, body.loanUntil);
      if (days < 0) ctx.addIssue({ code: 'custom', path: ['loanUntil'], message: 'The loan must end on or after its first day.' });
      else if (days + 1 > MAX_LOAN_DAYS) ctx.addIssue({ code: 'custom', path: ['loanUntil'], message: `A loan lasts at most ${MAX_LOAN_DAYS} days.` });
    }
  });
export type CreateRequestBody = z.input<typeof createRequestSchema>;

/** `GET /api/requests?status=` (mine: requested by me or for me). */
export const listRequestsQuerySchema = z.strictObject({
  status: z.enum(REQUEST_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** `POST /api/requests/{id}/cancel` */
export const cancelRequestSchema = z.strictObject({
  reason: z.string().trim().max(1000).optional(),
});

/** How the help desk hands a device over. */
export const DELIVERIES = ['pickup', 'ship'] as const;
export type Delivery = (typeof DELIVERIES)[number];

/** `POST /api/requests/{id}/fulfil`: the asset picked (by tag, serial or scanned code), one per unit. */
export const fulfilRequestSchema = z
  .strictObject({
    assetTag: z.string().trim().min(1).max(128).optional(),
    /** For a request of several units: one tag per unit. */
    assetTags: z.array(z.string().trim().min(1).max(128)).min(1).max(MAX_QUANTITY).optional(),
    delivery: z.enum(DELIVERIES).default('pickup'),
    note: z.string().trim().max(1000).optional(),
  })
  .refine((body) => (body.assetTag === undefined) !== (body.assetTags === undefined), {
    path: ['assetTag'],
    message: 'Pick the asset by its tag or serial number.',
  });
export type FulfilRequestBody = z.input<typeof fulfilRequestSchema>;

export const APPROVAL_STEP_KINDS = ['manager', 'group'] as const;
export type ApprovalStepKind = (typeof APPROVAL_STEP_KINDS)[number];

export const STEP_STATES = ['waiting', 'pending', 'approved', 'rejected', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

/** One person's decision (or pending decision) on a step. */
export interface StepApprover {
  /** A username, or `role:<role>` when any holder of the role may decide. */
  approver: string;
  /** Why they are on the step: the requester's manager, a named group member, the role, or an escalation. */
  source: 'manager' | 'member' | 'role' | 'escalation';
  /** `void`: not needed once the step settled; `reassigned`: the step moved to someone else (a new manager, or the approver left). */
  state: 'pending' | 'approved' | 'rejected' | 'void' | 'reassigned';
  /** Who actually decided (a delegate), when not the approver. */
  decidedBy: string | null;
  comment: string | null;
  decidedAt: string | null;
}

export interface RequestStep {
  position: number;
  kind: ApprovalStepKind;
  /** For group steps: the role, and whether any member or all of them decide. */
  role: Role | null;
  mode: 'any' | 'all';
  state: StepState;
  openedAt: string | null;
  /** When the step's SLA runs out (escalation), if it is open. */
  dueAt: string | null;
  decidedAt: string | null;
  approvers: StepApprover[];
}

export interface TimelineEntry {
  at: string;
  /** e.g. `submitted`, `step_approved`, `approved`, `backordered`, `rejected`, `cancelled`, `fulfilled`, `received`, `reminded`, `escalated`. */
  event: string;
  actor: string | null;
  /** The approver a delegate acted for. */
  onBehalfOf: string | null;
  comment: string | null;
}

export interface DeviceRequest {
  id: number;
  /** The person the device is for. */
  requester: string;
  requesterName: string;
  /** Who submitted it (a manager or HR on behalf of someone, else the requester). */
  createdBy: string;
  modelId: string;
  modelName: string;
  category: string;
  quantity: number;
  justification: string;
  neededBy: string | null;
  loanFrom: string | null;
  loanUntil: string | null;
  status: RequestStatus;
  /** 1-based position of the open step while pending approval, else null. */
  currentStep: number | null;
  /** Days until stock arrives, for a backordered request. */
  leadTimeDays: number | null;
  delivery: Delivery | null;
  /** Asset tags handed over (after fulfilment). */
  assetTags: string[];
  /** Units set aside for it (approved), or the loaner booked for its window: what the help desk picks first. */
  reservedTags: string[];
  rejectionReason: string | null;
  createdAt: string;
  updatedAt: string;
  steps: RequestStep[];
  timeline: TimelineEntry[];
  /** What the caller may do with it now (the web app shows these buttons, the server accepts them). */
  can: { cancel: boolean; fulfil: boolean; receive: boolean };
}

/** A request in a list (no steps or timeline). */
export type DeviceRequestSummary = Omit<DeviceRequest, 'steps' | 'timeline'>;

// ---------------------------------------------------------------------------------------------
// Approvals

/** An approval waiting for the caller: one approver row on an open step. */
export interface Approval {
  /** The id used with `POST /api/approvals/{id}/decision`. */
  id: number;
  requestId: number;
  requester: string;
  requesterName: string;
  modelName: string;
  category: string;
  priceCents: number | null;
  quantity: number;
  justification: string;
  neededBy: string | null;
  loanFrom: string | null;
  loanUntil: string | null;
  step: number;
  stepCount: number;
  kind: ApprovalStepKind;
  /** Set when the caller decides as someone's delegate. */
  onBehalfOf: string | null;
  /** Set when it came to the caller by escalation (the step ran out of time, or its approver left). */
  escalated: boolean;
  /** The step's time (its SLA) has run out, by the server's clock. */
  overdue: boolean;
  openedAt: string;
  dueAt: string | null;
  createdAt: string;
}

/** `POST /api/approvals/{id}/decision` — a rejection needs a reason. */
export const decisionSchema = z
  .strictObject({
    decision: z.enum(DECISIONS),
    comment: z.string().trim().max(1000).default(''),
  })
  .refine((body) => body.decision !== 'reject' || body.comment.length >= 3, {
    path: ['comment'],
    message: 'Say why the request is rejected.',
  });
export type DecisionBody = z.input<typeof decisionSchema>;

export interface DecisionResult {
  request: DeviceRequest;
}

// ---------------------------------------------------------------------------------------------
// Approval chains (admin)

export const chainStepSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('manager'),
    /** Hours until a reminder (at half) and escalation to the approver's own manager (at the end). */
    slaHours: z.number().int().min(1).max(24 * 30).default(48),
  }),
  z.strictObject({
    kind: z.literal('group'),
    role: z.enum(['helpdesk', 'hr', 'admin', 'manager']),
    /** `any`: one member's decision settles the step; `all`: every named member must approve. */
    mode: z.enum(['any', 'all']).default('any'),
    /** Named members (usernames). Required for `all`; for `any`, empty means every holder of the role. */
    members: z.array(z.string().trim().min(1).max(256)).max(20).default([]),
    slaHours: z.number().int().min(1).max(24 * 30).default(48),
  }),
]);
export type ChainStep = z.output<typeof chainStepSchema>;

export const chainRuleSchema = z.strictObject({
  /** An inventory category, e.g. `laptops`. */
  category: z.string().trim().min(1).max(100),
  /** Applies to models priced at or under this many cents; null = any price. The cheapest matching rule wins. */
  maxPriceCents: z.number().int().min(0).nullable().default(null),
  steps: z.array(chainStepSchema).max(5),
});
export type ChainRule = z.output<typeof chainRuleSchema>;

/** `PUT /api/admin/approval-chains`: the whole set of rules, replaced at once. */
export const approvalChainsSchema = z
  .strictObject({ rules: z.array(chainRuleSchema).max(200) })
  .superRefine((body, ctx) => {
    body.rules.forEach((rule, i) => {
      rule.steps.forEach((step, j) => {
        if (step.kind === 'group' && step.mode === 'all' && step.members.length === 0) {
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'steps', j, 'members'], message: 'Name the members who must all approve.' });
        }
      });
      const twin = body.rules.findIndex((other, k) => k < i && other.category.toLowerCase() === rule.category.toLowerCase() && other.maxPriceCents === rule.maxPriceCents);
      if (twin >= 0) ctx.addIssue({ code: 'custom', path: ['rules', i, 'category'], message: 'This category already has a rule for that price.' });
    });
  });
export type ApprovalChains = z.output<typeof approvalChainsSchema>;

/** Without a rule for its category, a request goes to the manager and then the help desk. */
export const DEFAULT_CHAIN: ChainStep[] = [
  { kind: 'manager', slaHours: 48 },
  { kind: 'group', role: 'helpdesk', mode: 'any', members: [], slaHours: 48 },
];

/** The steps for a model: the cheapest rule of its category whose price limit the model fits. */
export function chainFor(rules: readonly ChainRule[], category: string, priceCents: number | null): ChainStep[] {
  const matching = rules
    .filter((rule) => rule.category.toLowerCase() === category.toLowerCase())
    .filter((rule) => rule.maxPriceCents === null || (priceCents !== null && priceCents <= rule.maxPriceCents))
    .sort((a, b) => (a.maxPriceCents ?? Infinity) - (b.maxPriceCents ?? Infinity));
  return matching[0]?.steps ?? DEFAULT_CHAIN;
}

// ---------------------------------------------------------------------------------------------
// Delegation

/** `PUT /api/me/delegation`: while away, someone else decides my approvals (audited on my behalf). */
export const delegationSchema = z
  .strictObject({
    delegate: z.string().trim().min(1).max(256),
    /** ISO 8601 instants. */
    from: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
  })
  .refine((body) => Date.parse(body.until) > Date.parse(body.from), { path: ['until'], message: 'The end must be after the start.' })
  .refine((body) => Date.parse(body.until) - Date.parse(body.from) <= 90 * 86_400_000, { path: ['until'], message: 'A delegation lasts at most 90 days.' });
export type DelegationBody = z.input<typeof delegationSchema>;

export interface Delegation {
  delegate: string;
  from: string;
  until: string;
}

// ---------------------------------------------------------------------------------------------
// My devices and device reports

export interface Device {
  assetId: string;
  assetTag: string;
  serial: string | null;
  modelId: string;
  modelName: string;
  category: string;
  /** `YYYY-MM-DD`, or null when unknown. */
  warrantyEnd: string | null;
  assignedAt: string | null;
  /** An open report (problem, return, replacement) on this device, if any. */
  openReport: { id: number; kind: DeviceReportKind } | null;
}

export const DEVICE_REPORT_KINDS = ['problem', 'return', 'replacement'] as const;
export type DeviceReportKind = (typeof DEVICE_REPORT_KINDS)[number];

/** `POST /api/me/devices/{assetTag}/reports` */
export const deviceReportSchema = z.strictObject({
  kind: z.enum(DEVICE_REPORT_KINDS),
  description: z.string().trim().min(3, 'Describe it in a few words.').max(2000),
});
export type DeviceReportBody = z.input<typeof deviceReportSchema>;

export interface DeviceReport {
  id: number;
  assetId: string;
  assetTag: string;
  reporter: string;
  kind: DeviceReportKind;
  description: string;
  state: 'open' | 'closed';
  /** How it was closed: `checked_in` for a return the help desk took back. */
  resolution: string | null;
  createdAt: string;
  closedAt: string | null;
}

/** `POST /api/device-reports/{id}/close` (help desk): `checkIn` takes a returned device back into stock. */
export const closeReportSchema = z.strictObject({
  checkIn: z.boolean().default(false),
  note: z.string().trim().max(1000).optional(),
});

// ---------------------------------------------------------------------------------------------
// Notifications

export const NOTIFICATION_KINDS = [
  'request_submitted',
  'approval_needed',
  'step_approved',
  'request_approved',
  'request_backordered',
  'request_rejected',
  'request_cancelled',
  'request_ready',
  'request_shipped',
  'request_received',
  'approval_reminder',
  'approval_escalated',
  'device_report',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Values a notification's text is built from (translated by kind in the web app). */
export type NotificationParams = Record<string, string | number | null>;

export interface Notification {
  id: number;
  kind: NotificationKind;
  params: NotificationParams;
  /** An app path, e.g. `/requests/12` or `/approvals`. */
  link: string;
  createdAt: string;
  readAt: string | null;
}

/** `GET /api/notifications` */
export interface NotificationList {
  items: Notification[];
  unread: number;
}

/** `POST /api/notifications/read`: these ids, or all of mine when none are given. */
export const markReadSchema = z.strictObject({
  ids: z.array(z.number().int().positive()).max(200).optional(),
});
