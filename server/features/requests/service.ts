import type { Kysely, Transaction } from 'kysely';
import { can } from '../../../shared/permissions.js';
import {
  type Approval,
  type ApprovalChains,
  availabilityLabel,
  type CatalogItem,
  type CatalogQuery,
  canTransition,
  type ChainRule,
  type ChainStep,
  chainFor,
  type CreateRequestBody,
  createRequestSchema,
  daysBetween,
  dayOf,
  type DecisionBody,
  type Delegation,
  type DeviceRequest,
  type DeviceRequestSummary,
  eligibilityOf,
  isLoaner,
  type FulfilRequestBody,
  quantityAllowed,
  type RequestStatus,
  type RequestStep,
  type StepApprover,
} from '../../../shared/requests.js';
import type { Role } from '../../../shared/roles.js';
import type { AuditTrail } from '../../audit/audit.js';
import type { Database } from '../../db/schema.js';
import { withTransaction } from '../../db/transaction.js';
import type { Directory } from '../../directory/port.js';
import { type RoleGroups, rolesFromGroups } from '../../directory/roles.js';
import { errors } from '../../errors.js';
import type { JobSpec } from '../../jobs/queue.js';
import { notify, notifyEach } from '../../notifications/notify.js';
import type { Clock } from '../../platform/clock.js';
import type { Inventory } from '../../inventory/port.js';
import type { Model } from '../../../shared/inventory.js';
import * as repo from './repository.js';

declare module '../../jobs/queue.js' {
  interface JobPayloads {
    /** A step's SLA: a reminder at half time, escalation to the approvers' managers at the end. */
    'requests.sla': { stepId: number; phase: 'remind' | 'escalate' };
  }
}

export interface RequestsDeps {
  db: Kysely<Database>;
  directory: Directory;
  roleGroups: RoleGroups;
  inventory: Inventory;
  audit: AuditTrail;
  clock: Clock;
}

/** The signed-in person acting. */
export interface Actor {
  username: string;
  roles: readonly Role[];
  department: string | null;
  /** From the session's copy of the directory (refreshed every few minutes); looked up when absent. */
  displayName?: string;
  manager?: string | null;
}

type Trx = Transaction<Database>;
type RequestRow = NonNullable<Awaited<ReturnType<typeof repo.findRequest>>>;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());
const ROLE_PREFIX = 'role:';
const holderOf = (requestId: number) => `request:${requestId}`;
const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

// ---------------------------------------------------------------------------------------------
// Chains

export async function readChains(db: Kysely<Database>): Promise<ChainRule[]> {
  const rows = await repo.listChainRows(db);
  return rows.map((r) => ({
    category: r.category,
    maxPriceCents: r.max_price_cents === null ? null : Number(r.max_price_cents),
    steps: JSON.parse(r.steps) as ChainStep[],
  }));
}

/**
 * The chains are configuration read by every catalog view and every new request, and changed by an
 * admin now and then: kept per database for a few seconds, dropped at once when this process writes
 * them. Another process sees an admin's change within CHAINS_TTL_MS.
 */
const CHAINS_TTL_MS = 5000;
const chainsCache = new WeakMap<Kysely<Database>, { at: number; rules: Promise<ChainRule[]> }>();

function cachedChains(db: Kysely<Database>): Promise<ChainRule[]> {
  const hit = chainsCache.get(db);
  if (hit && performance.now() - hit.at < CHAINS_TTL_MS) return hit.rules;
  const rules = readChains(db);
  chainsCache.set(db, { at: performance.now(), rules });
  rules.catch(() => chainsCache.delete(db));
  return rules;
}

export async function writeChains(deps: Pick<RequestsDeps, 'db' | 'audit' | 'clock'>, chains: ApprovalChains, admin: string): Promise<ChainRule[]> {
  chainsCache.delete(deps.db);
  await withTransaction(deps.db, async (trx) => {
    await repo.replaceChainRows(
      trx,
      chains.rules.map((r) => ({ category: r.category, max_price_cents: r.maxPriceCents, steps: JSON.stringify(r.steps) })),
      deps.clock.now(),
      admin,
    );
    await deps.audit.record({ action: 'requests.chains_changed', result: 'success', actor: admin, details: { rules: chains.rules.length } }, trx);
  });
  // Also after the commit: a read that started meanwhile may have cached the old rules.
  chainsCache.delete(deps.db);
  return readChains(deps.db);
}

// ---------------------------------------------------------------------------------------------
// Catalog

/** The model's own limits on who may ask for it. */
function ruleOf(model: Model) {
  return { requestable: model.requestable, roles: model.eligibleRoles as Role[], departments: model.eligibleDepartments };
}

function catalogItem(model: Model, actor: Actor, rules: ChainRule[]): CatalogItem {
  const availability = { inStock: model.inStock, leadTimeDays: model.leadTimeDays };
  return {
    modelId: model.id,
    category: model.category,
    manufacturer: model.manufacturer,
    name: model.name,
    specs: model.specs,
    imageUrl: model.imageUrl,
    priceCents: model.priceCents,
    loaner: isLoaner(model.category),
    quantityAllowed: quantityAllowed(model.category),
    availability,
    label: availabilityLabel(availability),
    eligibility: eligibilityOf(ruleOf(model), actor),
    approvalSteps: chainFor(rules, model.category, model.priceCents).map((s) => s.kind),
  };
}

/** The catalog is a page of requestable models; a company with more narrows it by category or search. */
const CATALOG_LIMIT = 200;

/**
 * Everyone opens the catalog, and reading a page of models is its whole cost (the built-in
 * inventory keeps stock counts on the model rows; Snipe-IT is a remote call): the models are kept
 * for one second per inventory and query, and dropped at once when this process reserves or
 * releases a unit. A second's staleness only shows a count; approval re-checks stock.
 */
const CATALOG_TTL_MS = 1000;
const catalogCache = new WeakMap<Inventory, Map<string, { at: number; models: Promise<Model[]> }>>();

function cachedModels(inventory: Inventory, query: CatalogQuery): Promise<Model[]> {
  let cache = catalogCache.get(inventory);
  if (!cache) catalogCache.set(inventory, (cache = new Map()));
  const key = `${query.category ?? ''}\n${query.query ?? ''}`;
  const hit = cache.get(key);
  if (hit && performance.now() - hit.at < CATALOG_TTL_MS) return hit.models;
  const models = inventory
    .listModels({ requestable: true, query: query.query || undefined, category: query.category, limit: CATALOG_LIMIT })
    .then((page) => page.items);
  if (cache.size > 500) cache.clear();
  cache.set(key, { at: performance.now(), models });
  models.catch(() => cache.delete(key));
  return models;
}

/** Stock changed through this process: the next catalog read counts again. */
function stockChanged(inventory: Inventory): void {
  catalogCache.delete(inventory);
}

export async function catalog(deps: RequestsDeps, actor: Actor, query: CatalogQuery): Promise<CatalogItem[]> {
  const [models, rules] = await Promise.all([cachedModels(deps.inventory, query), cachedChains(deps.db)]);
  return models.filter((m) => m.requestable).map((m) => catalogItem(m, actor, rules));
}

// ---------------------------------------------------------------------------------------------
// Who approves

/** The person (or role) who decides a manager step, and why. */
interface ManagerChoice {
  approver: string;
  source: 'manager' | 'escalation' | 'role';
}

/**
 * A manager step goes to the requester's manager in the directory. If that manager submitted the
 * request themselves (on behalf of their report), nobody approves their own request: it goes to
 * their manager. Without a manager it goes to any admin.
 */
async function managerChoice(directory: Directory, requester: string, createdBy: string, known?: string | null): Promise<ManagerChoice> {
  const manager = known !== undefined ? known : ((await directory.findUser(requester))?.manager ?? null);
  if (!manager || !same(manager, createdBy)) return choiceOf(requester, createdBy, manager, null);
  return choiceOf(requester, createdBy, manager, (await directory.findUser(manager))?.manager ?? null);
}

/** managerChoice's rule with the manager and the manager's own manager (`above`) known. */
function choiceOf(requester: string, createdBy: string, manager: string | null, above: string | null): ManagerChoice {
  if (!manager) return { approver: `${ROLE_PREFIX}admin`, source: 'role' };
  if (!same(manager, createdBy)) return { approver: manager, source: 'manager' };
  return above && !same(above, requester) ? { approver: above, source: 'escalation' } : { approver: `${ROLE_PREFIX}admin`, source: 'role' };
}

type ApproverChoice = { approver: string; source: repo.NewApprover['source'] };

/** The approver rows a step opens with. */
function approversOf(step: ChainStep, request: { requester: string; created_by: string }, manager: ManagerChoice | null): ApproverChoice[] {
  if (step.kind === 'manager') {
    if (!manager) throw new Error('a manager step opened without its manager resolved');
    return [manager];
  }
  const members = step.members.filter((m) => !same(m, request.requester) && !same(m, request.created_by));
  if (step.mode === 'all' && members.length) return members.map((m) => ({ approver: m, source: 'member' as const }));
  // Any holder of the role decides; named members are who is told about it.
  return [{ approver: `${ROLE_PREFIX}${step.role}`, source: 'role' as const }];
}

/** A stored step as the chain step it was made from. */
function chainStepOf(row: { kind: string; role: string | null; mode: string; members: string; sla_ms: number }): ChainStep {
  const slaHours = row.sla_ms / 3_600_000;
  if (row.kind === 'manager') return { kind: 'manager', slaHours };
  return { kind: 'group', role: row.role as 'helpdesk', mode: row.mode as 'any' | 'all', members: JSON.parse(row.members) as string[], slaHours };
}

/**
 * Whom to tell about an open step, each with the approval they decide: named approvers their own
 * row, a role's named members the role's row.
 */
function recipientsOf(
  step: ChainStep,
  rows: { approver: string; id: number }[],
  request: { requester: string; created_by: string },
): { username: string; approvalId: number }[] {
  const out = new Map<string, number>();
  for (const row of rows) {
    if (!row.approver.startsWith(ROLE_PREFIX)) out.set(row.approver, row.id);
    else if (step.kind === 'group') for (const member of step.members) if (!out.has(member)) out.set(member, row.id);
  }
  return [...out].filter(([p]) => !same(p, request.requester) && !same(p, request.created_by)).map(([username, approvalId]) => ({ username, approvalId }));
}

/**
 * Who takes over from an approver: their own manager in the directory, or an admin for a role
 * (none above an admin). The SLA escalation and the reassignment of a leaver's steps both use it.
 */
async function escalationTarget(directory: Directory, approver: string): Promise<string | null> {
  if (approver.startsWith(ROLE_PREFIX)) return approver === `${ROLE_PREFIX}admin` ? null : `${ROLE_PREFIX}admin`;
  return (await directory.findUser(approver))?.manager ?? null;
}

// ---------------------------------------------------------------------------------------------
// Creating a request

/** A person the directory does not offer yet: a new hire whose account is still disabled. */
export interface HirePerson {
  username: string;
  displayName: string;
  department: string | null;
  manager: string | null;
}

/**
 * Server-only options no route can set.
 *
 * `beforeCommit` runs in the request's transaction with the answer, before it commits (the route
 * stores the Idempotency-Key's answer there, so the request and its answer commit together).
 *
 * `forHire`: onboarding asks for a new hire's equipment on behalf of HR. The directory cannot vouch
 * for the person (their account stays disabled until the start date, and `onBehalfOf` refuses
 * disabled accounts), so onboarding hands in the person from its own record, which it made under
 * `onboarding.manage`; the hire holds no role but employee. `autoApprove` (the role bundle's
 * policy) skips the approval chain: approved and reserved at once, or backordered.
 */
export interface CreateRequestOptions {
  beforeCommit?: (trx: Trx, view: DeviceRequest) => Promise<void>;
  forHire?: { person: HirePerson; autoApprove: boolean };
}

export async function createRequest(deps: RequestsDeps, actor: Actor, input: CreateRequestBody, options: CreateRequestOptions = {}): Promise<DeviceRequest> {
  const body = createRequestSchema.parse(input);
  const now = deps.clock.now();
  const today = dayOf(now);

  // Whom it is for: oneself, or (managers) a direct report, or (HR) anyone.
  let person: { username: string; displayName: string; department: string | null; manager: string | null; roles: readonly Role[] };
  if (options.forHire) {
    person = { ...options.forHire.person, roles: ['employee'] };
  } else if (body.onBehalfOf && !same(body.onBehalfOf, actor.username)) {
    const other = await deps.directory.findUser(body.onBehalfOf);
    const allowed = other && (same(other.manager, actor.username) || actor.roles.includes('hr'));
    if (!other || other.disabled || !allowed) {
      throw errors.validationFailed({ onBehalfOf: 'You can ask on behalf of your direct reports only (HR: anyone).' });
    }
    person = { ...other, roles: rolesFromGroups(other, deps.roleGroups) };
  } else if (actor.displayName !== undefined && actor.manager !== undefined) {
    person = { username: actor.username, displayName: actor.displayName, department: actor.department, manager: actor.manager, roles: actor.roles };
  } else {
    const self = await deps.directory.findUser(actor.username);
    if (!self) throw errors.notFound('This person');
    person = { ...self, roles: actor.roles };
  }
  const subject = person.username;
  const subjectRoles = person.roles;

  const model = await deps.inventory.getModel(body.modelId);
  if (!model || !model.requestable) throw errors.validationFailed({ modelId: 'There is no such item in the catalog.' });
  const eligibility = eligibilityOf(ruleOf(model), { roles: subjectRoles, department: person.department });
  if (!eligibility.eligible) throw errors.notEligible();

  const fields: Record<string, string> = {};
  if (body.quantity > 1 && !quantityAllowed(model.category)) fields.quantity = 'Only one of these can be asked for at a time.';
  if (body.neededBy && body.neededBy < today) fields.neededBy = 'This date has passed.';
  if (isLoaner(model.category)) {
    if (!body.loanFrom || !body.loanUntil) fields.loanFrom = 'A loaner needs the first and last day of the loan.';
    else if (body.loanFrom < today) fields.loanFrom = 'The loan cannot start in the past.';
    if (body.quantity > 1) fields.quantity = 'One loaner per request.';
  } else if (body.loanFrom || body.loanUntil) {
    fields.loanFrom = 'This item is not a loaner: leave the loan dates out.';
  }
  if (Object.keys(fields).length) throw errors.validationFailed(fields);

  const steps = options.forHire?.autoApprove ? [] : chainFor(await cachedChains(deps.db), model.category, model.priceCents);
  const manager = steps.some((s) => s.kind === 'manager') ? await managerChoice(deps.directory, subject, actor.username, person.manager) : null;

  // Everything the answer shows is known from what this transaction writes: the answer is built
  // from those rows, not read back (a new request is the busiest write; statements are its cost).
  const opened = await withTransaction(deps.db, async (trx) => {
    const request = await repo.insertRequest(trx, {
      requester: subject,
      requester_name: person.displayName,
      created_by: actor.username,
      model_id: model.id,
      model_name: model.name,
      category: model.category,
      price_cents: model.priceCents,
      quantity: body.quantity,
      justification: body.justification,
      needed_by: body.neededBy ?? null,
      loan_from: body.loanFrom ?? null,
      loan_until: body.loanUntil ?? null,
      step_count: steps.length,
      // The first step opens with the request (advance() would open it the same way).
      current_step: steps.length ? 1 : null,
      now,
    });
    const requestId = request.id;
    const stepRows = await repo.insertSteps(
      trx,
      steps.map((s, i) => ({
        request_id: requestId,
        position: i + 1,
        kind: s.kind,
        role: s.kind === 'group' ? s.role : null,
        mode: s.kind === 'group' ? s.mode : 'any',
        members: JSON.stringify(s.kind === 'group' ? s.members : []),
        sla_ms: s.slaHours * 3_600_000,
        ...(i === 0 ? { opened: { at: now, dueAt: now + s.slaHours * 3_600_000 } } : {}),
      })),
    );
    await repo.insertEvent(trx, { request_id: requestId, at: now, event: 'submitted', actor: actor.username });
    await deps.audit.record(
      {
        action: 'requests.create',
        result: 'success',
        actor: actor.username,
        subject,
        details: { requestId, modelId: model.id, quantity: body.quantity, ...(subject !== actor.username ? { forPerson: subject } : {}) },
      },
      trx,
    );
    if (subject !== actor.username) {
      await notify(trx, now, {
        recipient: subject,
        kind: 'request_submitted',
        params: { requestId, model: model.name, actor: actor.username },
        link: `/requests/${requestId}`,
      });
    }
    const first = stepRows[0];
    if (!first) {
      // A chain with no steps approves (and reserves) at once; the answer is read after commit.
      await approve(deps, trx, request, actor.username, now);
      return { id: requestId, view: null };
    }
    const approvers = await openApprovers(trx, request, first, manager, now);
    const view = viewOf(request, stepRows, approvers, [{ at: now, event: 'submitted', actor: actor.username, on_behalf_of: null, comment: null }], actor);
    await options.beforeCommit?.(trx, view);
    return { id: requestId, view };
  });
  if (opened.view) return opened.view;
  stockChanged(deps.inventory);
  return requestView(deps, actor, opened.id);
}

/**
 * Opens the step after `position` (0: the first), or, when none is left, approves the request:
 * reserves its units (or books its loaner) in this transaction, else backorders it.
 */
async function advance(
  deps: RequestsDeps,
  trx: Trx,
  request: RequestRow,
  position: number,
  manager: ManagerChoice | null,
  actor: string,
  now: number,
): Promise<void> {
  const steps = await repo.listSteps(trx, request.id);
  const next = steps.find((s) => s.position === position + 1);
  if (next) {
    await repo.transitionRequest(trx, request.id, ['pending_approval'], { current_step: next.position }, now);
    await repo.openStepRow(trx, next.id, now, now + next.sla_ms);
    await openApprovers(trx, request, next, manager, now);
    return;
  }
  await approve(deps, trx, request, actor, now);
}

/**
 * The approvers of a step just opened: their rows, the step's SLA jobs, and a notification to each
 * person who may decide. Returns the rows as listApproversOfRequest would read them.
 */
async function openApprovers(
  trx: Trx,
  request: RequestRow,
  next: repo.StepRow,
  manager: ManagerChoice | null,
  now: number,
): Promise<repo.ApproverRow[]> {
  const params = { requestId: request.id, model: request.model_name, requester: request.requester_name };
  const step = chainStepOf(next);
  const rows = approversOf(step, request, manager);
  const ids = await repo.insertApprovers(trx, rows.map((r) => ({ request_id: request.id, step_id: next.id, ...r })), now);
  // The SLA: unique per step and phase, so opening twice never doubles them; handlers re-check the
  // step. Queued with the notifications' jobs: opening a step is part of every new request.
  const sla: JobSpec<'requests.sla'>[] = [
    { kind: 'requests.sla', payload: { stepId: next.id, phase: 'remind' }, now, runAt: now + next.sla_ms / 2, uniqueKey: `requests.sla:${next.id}:remind` },
    { kind: 'requests.sla', payload: { stepId: next.id, phase: 'escalate' }, now, runAt: now + next.sla_ms, uniqueKey: `requests.sla:${next.id}:escalate` },
  ];
  const recipients = recipientsOf(step, rows.map((r, i) => ({ ...r, id: ids[i]! })), request);
  await notifyEach(
    trx,
    now,
    recipients.map(({ username, approvalId }) => ({ recipient: username, kind: 'approval_needed' as const, params, link: `/approvals/${approvalId}` })),
    sla,
  );
  return rows.map((r, i) => ({
    id: ids[i]!,
    request_id: request.id,
    step_id: next.id,
    approver: r.approver,
    source: r.source,
    state: 'pending',
    decided_by: null,
    comment: null,
    created_at: now,
    decided_at: null,
  }));
}

/** All steps approved: hold the units now, or backorder with the model's lead time. */
async function approve(deps: RequestsDeps, trx: Trx, request: RequestRow, actor: string, now: number): Promise<void> {
  const model = await deps.inventory.getModel(request.model_id, { trx });
  const held: string[] = [];
  if (request.loan_from && request.loan_until) {
    const days = Array.from({ length: daysBetween(request.loan_from, request.loan_until) + 1 }, (_, i) =>
      dayOf(Date.parse(`${request.loan_from}T00:00:00Z`) + i * 86_400_000),
    );
    const loaners = await deps.inventory.listAssets({ modelId: request.model_id, limit: 100 }, { trx });
    for (const asset of loaners.items.filter((a) => a.status === 'in_stock' || a.status === 'assigned' || a.status === 'reserved')) {
      if (await repo.bookLoaner(trx, asset.tag, days, request.id)) {
        held.push(asset.tag);
        break;
      }
    }
  } else {
    for (let i = 0; i < request.quantity; i++) {
      const asset = await deps.inventory.reserve(request.model_id, holderOf(request.id), { trx, actor, note: `request #${request.id}` });
      if (!asset) break;
      held.push(asset.tag);
    }
    if (held.length < request.quantity) {
      // All units or none: a partial hold would keep stock from someone it could serve now.
      for (const tag of held) await deps.inventory.release(tag, { trx, holder: holderOf(request.id), actor });
      held.length = 0;
    }
  }
  const status: RequestStatus = held.length ? 'approved' : 'backordered';
  const leadTimeDays = held.length ? null : (model?.leadTimeDays ?? null);
  await repo.transitionRequest(
    trx,
    request.id,
    ['pending_approval'],
    { status, current_step: null, reserved_assets: JSON.stringify(held), lead_time_days: leadTimeDays },
    now,
  );
  await repo.insertEvent(trx, { request_id: request.id, at: now, event: status, actor: null });
  await deps.audit.record(
    { action: `requests.${status}`, result: 'success', actor, subject: request.requester, details: { requestId: request.id, assets: held, leadTimeDays } },
    trx,
  );
  await notify(trx, now, {
    recipient: request.requester,
    kind: held.length ? 'request_approved' : 'request_backordered',
    params: { requestId: request.id, model: request.model_name, days: leadTimeDays },
    link: `/requests/${request.id}`,
  });
}

/**
 * Stock of a model arrived (an asset added, returned, released, or set back in stock): the oldest
 * backordered requests of that model get it, oldest first, while units last, in the caller's
 * transaction (so the stock change and the reservation commit together). A request that needs more
 * units than are on the shelf keeps its place: later ones do not overtake it. Returns how many
 * requests were served.
 */
export async function serveBackorders(
  deps: Pick<RequestsDeps, 'inventory' | 'audit' | 'clock'>,
  trx: Trx,
  modelId: string,
  actor: string | null,
): Promise<number> {
  const now = deps.clock.now();
  const tried: number[] = [];
  let served = 0;
  for (;;) {
    const request = await repo.oldestBackorder(trx, modelId, tried);
    if (!request) break;
    tried.push(request.id);
    const held: string[] = [];
    for (let i = 0; i < request.quantity; i++) {
      const asset = await deps.inventory.reserve(modelId, holderOf(request.id), { trx, actor, note: `backorder of request #${request.id}` });
      if (!asset) break;
      held.push(asset.tag);
    }
    const release = async () => {
      for (const tag of held) await deps.inventory.release(tag, { trx, holder: holderOf(request.id), actor });
    };
    if (held.length < request.quantity) {
      await release();
      break;
    }
    // Conditional on still being backordered: a cancellation that won meanwhile keeps the units on the shelf.
    if (!(await repo.transitionRequest(trx, request.id, ['backordered'], { status: 'approved', reserved_assets: JSON.stringify(held), lead_time_days: null }, now))) {
      await release();
      continue;
    }
    await repo.insertEvent(trx, { request_id: request.id, at: now, event: 'approved', actor: null });
    await deps.audit.record(
      { action: 'requests.backorder_served', result: 'success', actor, subject: request.requester, details: { requestId: request.id, assets: held } },
      trx,
    );
    await notify(trx, now, {
      recipient: request.requester,
      kind: 'request_approved',
      params: { requestId: request.id, model: request.model_name, days: null },
      link: `/requests/${request.id}`,
    });
    served++;
  }
  if (served) stockChanged(deps.inventory);
  return served;
}

// ---------------------------------------------------------------------------------------------
// Deciding

/** The principals whose approvals `actor` may decide right now, with whom each is on behalf of. */
async function principalsOf(db: Kysely<Database>, actor: Actor, now: number): Promise<Map<string, string | null>> {
  const principals = new Map<string, string | null>([[actor.username, null]]);
  for (const role of actor.roles) if (role !== 'employee') principals.set(`${ROLE_PREFIX}${role}`, null);
  for (const delegator of await repo.delegatorsFor(db, actor.username, now)) {
    if (!principals.has(delegator)) principals.set(delegator, delegator);
  }
  return principals;
}

export async function approvalQueue(deps: RequestsDeps, actor: Actor, limit = 100): Promise<Approval[]> {
  const now = deps.clock.now();
  const principals = await principalsOf(deps.db, actor, now);
  const rows = await repo.listPendingApprovals(deps.db, [...principals.keys()], limit);
  return rows
    .filter((r) => !same(r.requester, actor.username) && !same(r.created_by, actor.username))
    .map((r) => ({
      id: r.id,
      requestId: r.request_id,
      requester: r.requester,
      requesterName: r.requester_name,
      modelName: r.model_name,
      category: r.category,
      priceCents: r.price_cents === null ? null : Number(r.price_cents),
      quantity: Number(r.quantity),
      justification: r.justification,
      neededBy: r.needed_by,
      loanFrom: r.loan_from,
      loanUntil: r.loan_until,
      step: r.position,
      stepCount: r.step_count,
      kind: r.kind as Approval['kind'],
      onBehalfOf: principals.get(r.approver) ?? null,
      escalated: r.source === 'escalation',
      overdue: r.due_at !== null && Number(r.due_at) <= now,
      openedAt: iso(r.opened_at)!,
      dueAt: iso(r.due_at),
      createdAt: iso(r.created_at)!,
    }));
}

/**
 * One approver's decision. Who may decide is checked against the row (the named approver, a holder
 * of its role, or the approver's delegate now), never against what the client says. Two decisions
 * at once: the request row is claimed first with a conditional update on its open step, so on
 * PostgreSQL the second waits and then finds the step settled (409 already_decided); the
 * approver row is claimed the same way.
 */
export async function decide(deps: RequestsDeps, actor: Actor, approvalId: number, body: DecisionBody & { decision: 'approve' | 'reject'; comment: string }): Promise<DeviceRequest> {
  const now = deps.clock.now();
  const row = await repo.findApprover(deps.db, approvalId);
  const principals = await principalsOf(deps.db, actor, now);
  if (!row || !principals.has(row.approver)) throw errors.notFound('This approval');
  const onBehalfOf = principals.get(row.approver) ?? null;
  const request = await repo.findRequest(deps.db, row.request_id);
  if (!request) throw errors.notFound('This approval');
  // Nobody approves their own request, not even as someone's delegate or as a holder of the role.
  if ([actor.username, onBehalfOf].some((who) => same(who, request.requester) || same(who, request.created_by))) {
    throw errors.forbidden('You cannot decide on your own request.');
  }
  if (row.state !== 'pending') throw errors.alreadyDecided();
  // A manager approves only for their reports: the directory must still say so at decision time.
  if (row.source === 'manager') {
    const requester = await deps.directory.findUser(request.requester);
    if (!requester || !same(requester.manager, row.approver)) throw errors.forbidden('Only the requester\'s manager can decide this step.');
  }
  const steps = await repo.listSteps(deps.db, request.id);
  const step = steps.find((s) => s.id === row.step_id)!;
  const nextStep = steps.find((s) => s.position === step.position + 1);
  const manager = nextStep?.kind === 'manager' ? await managerChoice(deps.directory, request.requester, request.created_by) : null;

  await withTransaction(deps.db, async (trx) => {
    // Claim the request on this step: the loser of a race stops here.
    if (!(await repo.transitionRequest(trx, request.id, ['pending_approval'], {}, now, { currentStep: step.position }))) throw errors.alreadyDecided();
    if (!(await repo.decideApprover(trx, row.id, body.decision === 'approve' ? 'approved' : 'rejected', actor.username, body.comment || null, now))) {
      throw errors.alreadyDecided();
    }
    await deps.audit.record(
      {
        action: body.decision === 'approve' ? 'requests.step_approved' : 'requests.step_rejected',
        result: 'success',
        actor: actor.username,
        subject: request.requester,
        details: { requestId: request.id, step: step.position, approval: row.id, ...(onBehalfOf ? { onBehalfOf } : {}) },
      },
      trx,
    );
    if (body.decision === 'reject') {
      await repo.settleStep(trx, step.id, 'rejected', now);
      await repo.voidPendingApprovers(trx, { requestId: request.id }, now);
      await repo.skipOpenSteps(trx, request.id, now);
      await repo.transitionRequest(trx, request.id, ['pending_approval'], { status: 'rejected', current_step: null, rejection_reason: body.comment }, now);
      await repo.insertEvent(trx, { request_id: request.id, at: now, event: 'rejected', actor: actor.username, on_behalf_of: onBehalfOf, comment: body.comment });
      await deps.audit.record({ action: 'requests.rejected', result: 'success', actor: actor.username, subject: request.requester, details: { requestId: request.id } }, trx);
      await notify(trx, now, {
        recipient: request.requester,
        kind: 'request_rejected',
        params: { requestId: request.id, model: request.model_name, actor: actor.username, reason: body.comment },
        link: `/requests/${request.id}`,
      });
      return;
    }
    await repo.insertEvent(trx, { request_id: request.id, at: now, event: 'step_approved', actor: actor.username, on_behalf_of: onBehalfOf, comment: body.comment || null });
    // An "all" step waits for every named member; an escalated approver settles it alone.
    if (step.mode === 'all' && row.source === 'member' && (await repo.countPendingApprovers(trx, step.id, 'member')) > 0) return;
    await repo.settleStep(trx, step.id, 'approved', now);
    await repo.voidPendingApprovers(trx, { stepId: step.id }, now);
    if (nextStep) {
      await notify(trx, now, {
        recipient: request.requester,
        kind: 'step_approved',
        params: { requestId: request.id, model: request.model_name, actor: actor.username, step: step.position },
        link: `/requests/${request.id}`,
      });
    }
    await advance(deps, trx, request, step.position, manager, actor.username, now);
  });
  stockChanged(deps.inventory);
  return requestView(deps, actor, request.id);
}

// ---------------------------------------------------------------------------------------------
// Cancelling, fulfilling, receiving

async function releaseHeld(deps: RequestsDeps, trx: Trx, request: RequestRow, actor: string): Promise<void> {
  await repo.releaseLoanerBookings(trx, request.id);
  if (request.loan_from) return;
  for (const tag of JSON.parse(request.reserved_assets) as string[]) {
    await deps.inventory.release(tag, { trx, holder: holderOf(request.id), actor });
  }
}

/**
 * `forHire`: onboarding withdraws the equipment of a cancelled hire. Any holder of
 * `onboarding.manage` may cancel a hire, not only the one who added it, so the requester check
 * (the hire, or the HR member who submitted it) does not apply; onboarding checked the permission
 * and that the request is one it made for that hire. Returns null then (no one to show it to).
 */
export async function cancelRequest(deps: RequestsDeps, actor: Actor, id: number, reason: string | undefined): Promise<DeviceRequest>;
export async function cancelRequest(deps: RequestsDeps, actor: Actor, id: number, reason: string | undefined, options: { forHire: true }): Promise<DeviceRequest | null>;
export async function cancelRequest(deps: RequestsDeps, actor: Actor, id: number, reason: string | undefined, options: { forHire?: true } = {}): Promise<DeviceRequest | null> {
  const request = options.forHire ? await repo.findRequest(deps.db, id) : await visibleRequest(deps, actor, id);
  if (!request) throw errors.notFound('This request');
  if (!options.forHire && !same(actor.username, request.requester) && !same(actor.username, request.created_by)) throw errors.forbidden('Only the requester can cancel a request.');
  if (!canTransition(request.status as RequestStatus, 'cancel')) throw errors.invalidTransition();
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.transitionRequest(trx, id, ['pending_approval', 'approved', 'backordered'], { status: 'cancelled', current_step: null, reserved_assets: '[]' }, now))) {
      throw errors.invalidTransition();
    }
    // Read again inside the transaction: what it held is what the winning state says.
    await releaseHeld(deps, trx, request, actor.username);
    // Units it gave back go to whoever waits for that model.
    if (!request.loan_from && JSON.parse(request.reserved_assets).length) await serveBackorders(deps, trx, request.model_id, actor.username);
    await repo.voidPendingApprovers(trx, { requestId: id }, now);
    await repo.skipOpenSteps(trx, id, now);
    await repo.insertEvent(trx, { request_id: id, at: now, event: 'cancelled', actor: actor.username, comment: reason ?? null });
    await deps.audit.record({ action: 'requests.cancelled', result: 'success', actor: actor.username, subject: request.requester, details: { requestId: id } }, trx);
    const tell = [request.requester, request.created_by].filter((p) => !same(p, actor.username));
    for (const recipient of new Set(tell)) {
      await notify(trx, now, { recipient, kind: 'request_cancelled', params: { requestId: id, model: request.model_name, actor: actor.username }, link: `/requests/${id}` });
    }
  });
  stockChanged(deps.inventory);
  return options.forHire ? null : requestView(deps, actor, id);
}

/**
 * The help desk hands over the assets picked by tag or serial: each must be of the requested model
 * and either reserved for this request (or its booked loaner) or free in stock. Reservations not
 * used are released; the request becomes ready for pickup or shipped.
 */
export async function fulfilRequest(deps: RequestsDeps, actor: Actor, id: number, body: FulfilRequestBody & { delivery: 'pickup' | 'ship' }): Promise<DeviceRequest> {
  const request = await visibleRequest(deps, actor, id);
  if (!canTransition(request.status as RequestStatus, 'fulfil')) throw errors.invalidTransition();
  const tags = body.assetTags ?? (body.assetTag ? [body.assetTag] : []);
  if (tags.length !== request.quantity) throw errors.validationFailed({ assetTags: `Pick ${request.quantity} asset(s), one per unit.` });
  const held = JSON.parse(request.reserved_assets) as string[];
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.transitionRequest(trx, id, ['approved', 'backordered'], { status: body.delivery === 'ship' ? 'shipped' : 'ready_for_pickup' }, now))) {
      throw errors.invalidTransition();
    }
    const picked: string[] = [];
    for (const key of tags) {
      // Scanned or typed: a tag, or else a serial number.
      const asset = (await deps.inventory.findAsset({ tag: key }, { trx })) ?? (await deps.inventory.findAsset({ serial: key }, { trx }));
      if (!asset || asset.modelId !== request.model_id) throw errors.assetUnavailable(`${key}: not found, or not a ${request.model_name}.`);
      if (picked.includes(asset.tag)) throw errors.validationFailed({ assetTags: 'Each unit needs its own asset.' });
      if (request.loan_from) {
        if (!held.includes(asset.tag)) throw errors.assetUnavailable(`${key}: not the loaner booked for these dates.`);
      } else if (!held.includes(asset.tag)) {
        // Another unit of the model than the one set aside: the reservation moves to it in this
        // transaction (it must be on the shelf; the unit it replaces goes back to stock below), so
        // nobody else can take it between hand-over and receipt. Two hand-overs of one unit at
        // once: one reserves it, the other is refused and keeps its own reservation.
        const holdsIt = await deps.inventory.reserve(request.model_id, holderOf(id), { trx, tag: asset.tag, actor: actor.username, note: `request #${id}` });
        if (!holdsIt) throw errors.assetUnavailable(`${key}: not in stock.`);
      }
      picked.push(asset.tag);
    }
    if (!request.loan_from) {
      const unused = held.filter((tag) => !picked.includes(tag));
      for (const tag of unused) await deps.inventory.release(tag, { trx, holder: holderOf(id), actor: actor.username });
      if (unused.length) await serveBackorders(deps, trx, request.model_id, actor.username);
    }
    await repo.transitionRequest(
      trx,
      id,
      ['ready_for_pickup', 'shipped'],
      { delivery: body.delivery, reserved_assets: JSON.stringify(picked), asset_tags: JSON.stringify(picked) },
      now,
    );
    const event = body.delivery === 'ship' ? 'shipped' : 'ready_for_pickup';
    await repo.insertEvent(trx, { request_id: id, at: now, event, actor: actor.username, comment: body.note ?? null });
    await deps.audit.record(
      { action: `requests.${event}`, result: 'success', actor: actor.username, subject: request.requester, details: { requestId: id, assets: picked } },
      trx,
    );
    await notify(trx, now, {
      recipient: request.requester,
      kind: body.delivery === 'ship' ? 'request_shipped' : 'request_ready',
      params: { requestId: id, model: request.model_name, assetTags: picked.join(', ') },
      link: `/requests/${id}`,
    });
  });
  stockChanged(deps.inventory);
  return requestView(deps, actor, id);
}

/** The person the device is for confirms they have it; the inventory then assigns it to them. */
export async function receiveRequest(deps: RequestsDeps, actor: Actor, id: number): Promise<DeviceRequest> {
  const request = await visibleRequest(deps, actor, id);
  if (!same(actor.username, request.requester)) throw errors.forbidden('Only the person the device is for can confirm receipt.');
  if (!canTransition(request.status as RequestStatus, 'receive')) throw errors.invalidTransition();
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.transitionRequest(trx, id, ['ready_for_pickup', 'shipped'], { status: 'received' }, now))) throw errors.invalidTransition();
    for (const tag of JSON.parse(request.asset_tags) as string[]) {
      await deps.inventory.assign(tag, request.requester, { trx, actor: actor.username, modelId: request.model_id, holder: holderOf(id), note: `request #${id}` });
    }
    await repo.insertEvent(trx, { request_id: id, at: now, event: 'received', actor: actor.username });
    await deps.audit.record({ action: 'requests.received', result: 'success', actor: actor.username, subject: request.requester, details: { requestId: id, assets: JSON.parse(request.asset_tags) } }, trx);
    if (!same(request.created_by, request.requester)) {
      await notify(trx, now, { recipient: request.created_by, kind: 'request_received', params: { requestId: id, model: request.model_name, requester: request.requester_name }, link: `/requests/${id}` });
    }
  });
  stockChanged(deps.inventory);
  return requestView(deps, actor, id);
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * A request the actor may see: theirs, one they may decide (now or before), or any for the help
 * desk. Otherwise 404. A step taken from someone (a manager who is no longer the requester's, an
 * approver who left) no longer shows them the request.
 */
async function visibleRequest(deps: RequestsDeps, actor: Actor, id: number): Promise<RequestRow> {
  const request = await repo.findRequest(deps.db, id);
  if (!request) throw errors.notFound('This request');
  if (same(actor.username, request.requester) || same(actor.username, request.created_by) || can(actor.roles, 'inventory.manage')) return request;
  const principals = await principalsOf(deps.db, actor, deps.clock.now());
  const approvers = await repo.listApproversOfRequest(deps.db, id);
  if (approvers.some((a) => (principals.has(a.approver) && a.state !== 'reassigned') || same(a.decided_by, actor.username))) return request;
  throw errors.notFound('This request');
}

function summaryOf(request: RequestRow, actor: Actor): DeviceRequestSummary {
  const status = request.status as RequestStatus;
  const mine = same(actor.username, request.requester) || same(actor.username, request.created_by);
  return {
    id: request.id,
    requester: request.requester,
    requesterName: request.requester_name,
    createdBy: request.created_by,
    modelId: request.model_id,
    modelName: request.model_name,
    category: request.category,
    quantity: Number(request.quantity),
    justification: request.justification,
    neededBy: request.needed_by,
    loanFrom: request.loan_from,
    loanUntil: request.loan_until,
    status,
    currentStep: request.current_step === null ? null : Number(request.current_step),
    leadTimeDays: request.lead_time_days === null ? null : Number(request.lead_time_days),
    delivery: request.delivery as DeviceRequest['delivery'],
    assetTags: JSON.parse(request.asset_tags) as string[],
    reservedTags: status === 'approved' || status === 'backordered' ? (JSON.parse(request.reserved_assets) as string[]) : [],
    rejectionReason: request.rejection_reason,
    createdAt: iso(request.created_at)!,
    updatedAt: iso(request.updated_at)!,
    can: {
      cancel: mine && canTransition(status, 'cancel'),
      fulfil: can(actor.roles, 'inventory.manage') && canTransition(status, 'fulfil'),
      receive: same(actor.username, request.requester) && canTransition(status, 'receive'),
    },
  };
}

export async function requestView(deps: RequestsDeps, actor: Actor, id: number): Promise<DeviceRequest> {
  const request = await visibleRequest(deps, actor, id);
  const [steps, approvers, events] = await Promise.all([
    repo.listSteps(deps.db, id),
    repo.listApproversOfRequest(deps.db, id),
    repo.listEvents(deps.db, id),
  ]);
  return viewOf(request, steps, approvers, events, actor);
}

type EventRow = Pick<Awaited<ReturnType<typeof repo.listEvents>>[number], 'at' | 'event' | 'actor' | 'on_behalf_of' | 'comment'>;

/** A request as its reader sees it, from its rows. */
function viewOf(request: RequestRow, steps: repo.StepRow[], approvers: repo.ApproverRow[], events: EventRow[], actor: Actor): DeviceRequest {
  return {
    ...summaryOf(request, actor),
    steps: steps.map(
      (s): RequestStep => ({
        position: s.position,
        kind: s.kind as RequestStep['kind'],
        role: (s.role as Role | null) ?? null,
        mode: s.mode as 'any' | 'all',
        state: s.state as RequestStep['state'],
        openedAt: iso(s.opened_at),
        dueAt: s.state === 'pending' ? iso(s.due_at) : null,
        decidedAt: iso(s.decided_at),
        approvers: approvers
          .filter((a) => a.step_id === s.id)
          .map(
            (a): StepApprover => ({
              approver: a.approver,
              source: a.source as StepApprover['source'],
              state: a.state as StepApprover['state'],
              decidedBy: a.decided_by && !same(a.decided_by, a.approver) ? a.decided_by : null,
              comment: a.comment,
              decidedAt: iso(a.decided_at),
            }),
          ),
      }),
    ),
    timeline: events.map((e) => ({ at: iso(e.at)!, event: e.event, actor: e.actor, onBehalfOf: e.on_behalf_of, comment: e.comment })),
  };
}

export async function myRequests(deps: RequestsDeps, actor: Actor, status: RequestStatus | undefined, limit: number): Promise<DeviceRequestSummary[]> {
  const rows = await repo.listRequestsOf(deps.db, actor.username, status, limit);
  return rows.map((r) => summaryOf(r, actor));
}

/** The help desk's queue: approved and backordered requests to hand over, and those handed over but not yet received. */
export async function fulfilmentQueue(deps: RequestsDeps, actor: Actor, limit: number): Promise<DeviceRequestSummary[]> {
  const rows = await repo.listRequestsInStatus(deps.db, ['approved', 'backordered', 'ready_for_pickup', 'shipped'], limit);
  return rows.map((r) => summaryOf(r, actor));
}

// ---------------------------------------------------------------------------------------------
// Delegation

export async function myDelegation(deps: RequestsDeps, actor: Actor): Promise<Delegation | null> {
  const row = await repo.findDelegationOf(deps.db, actor.username);
  if (!row || Number(row.ends_at) <= deps.clock.now()) return null;
  return { delegate: row.delegate, from: iso(row.starts_at)!, until: iso(row.ends_at)! };
}

export async function setDelegation(deps: RequestsDeps, actor: Actor, body: { delegate: string; from: string; until: string }): Promise<Delegation> {
  if (same(body.delegate, actor.username)) throw errors.validationFailed({ delegate: 'Choose someone other than yourself.' });
  const delegate = await deps.directory.findUser(body.delegate);
  if (!delegate || delegate.disabled) throw errors.validationFailed({ delegate: 'There is no such person.' });
  const now = deps.clock.now();
  const from = Date.parse(body.from);
  const until = Date.parse(body.until);
  if (until <= now) throw errors.validationFailed({ until: 'This time has passed.' });
  await withTransaction(deps.db, async (trx) => {
    await repo.upsertDelegation(trx, actor.username, delegate.username, from, until, now);
    await deps.audit.record(
      { action: 'requests.delegation_set', result: 'success', actor: actor.username, subject: delegate.username, details: { from: body.from, until: body.until } },
      trx,
    );
  });
  return { delegate: delegate.username, from: iso(from)!, until: iso(until)! };
}

export async function clearDelegation(deps: RequestsDeps, actor: Actor): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    if (await repo.deleteDelegation(trx, actor.username)) {
      await deps.audit.record({ action: 'requests.delegation_cleared', result: 'success', actor: actor.username }, trx);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SLA

/**
 * A step's reminder or escalation. Safe to run again: it does nothing once the step is settled, and
 * an escalation adds each manager at most once.
 */
export async function runSla(deps: RequestsDeps, stepId: number, phase: 'remind' | 'escalate'): Promise<void> {
  const step = await repo.findStep(deps.db, stepId);
  if (!step || step.state !== 'pending') return;
  const request = await repo.findRequest(deps.db, step.request_id);
  if (!request || request.status !== 'pending_approval') return;
  const approvers = (await repo.listApproversOfRequest(deps.db, request.id)).filter((a) => a.step_id === stepId);
  const pending = approvers.filter((a) => a.state === 'pending' && a.source !== 'escalation');
  const people = pending.filter((a) => !a.approver.startsWith(ROLE_PREFIX));
  const params = { requestId: request.id, model: request.model_name, requester: request.requester_name };
  const now = deps.clock.now();

  if (phase === 'remind') {
    await withTransaction(deps.db, async (trx) => {
      for (const row of people) await notify(trx, now, { recipient: row.approver, kind: 'approval_reminder', params, link: `/approvals/${row.id}` });
      await repo.insertEvent(trx, { request_id: request.id, at: now, event: 'reminded', actor: null });
    });
    return;
  }

  // Escalation: each pending approver's own manager (an admin for a role with nobody named) may now decide.
  const targets: { approver: string; for: string }[] = [];
  for (const approver of pending.map((a) => a.approver)) {
    const target = await escalationTarget(deps.directory, approver);
    if (!target || same(target, request.requester) || same(target, request.created_by)) continue;
    if (approvers.some((a) => same(a.approver, target))) continue;
    targets.push({ approver: target, for: approver });
  }
  if (!targets.length) return;
  await withTransaction(deps.db, async (trx) => {
    // Still pending inside the transaction (a decision may have landed meanwhile).
    if (!(await repo.transitionRequest(trx, request.id, ['pending_approval'], {}, now, { currentStep: step.position }))) return;
    const ids = await repo.insertApprovers(trx, targets.map((t) => ({ request_id: request.id, step_id: stepId, approver: t.approver, source: 'escalation' as const })), now);
    for (const [i, t] of targets.entries()) {
      await repo.insertEvent(trx, { request_id: request.id, at: now, event: 'escalated', actor: null, comment: `${t.for} → ${t.approver}` });
      await deps.audit.record({ action: 'requests.escalated', result: 'success', actor: null, subject: request.requester, details: { requestId: request.id, step: step.position, from: t.for, to: t.approver } }, trx);
      if (!t.approver.startsWith(ROLE_PREFIX)) {
        await notify(trx, now, { recipient: t.approver, kind: 'approval_escalated', params: { ...params, approver: t.for }, link: `/approvals/${ids[i]}` });
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Reassignment: approvals follow people who change manager or leave

type OpenRow = Awaited<ReturnType<typeof repo.openRowsOf>>[number];

/**
 * Moves one pending approver row to `to` in the caller's transaction: the old row becomes
 * `reassigned` (it stays in the step's history; its approver no longer sees the request), a new pending row is added unless `to` already holds one on the
 * step, the timeline and the audit trail say why, and the new approver is told through the
 * notification queue. The request row is claimed on its open step first, as a decision does, so a
 * decision landing at the same moment either wins (nothing moves) or waits for this. False when
 * nothing moved (decided meanwhile).
 */
async function moveRow(
  deps: Pick<RequestsDeps, 'audit'>,
  trx: Trx,
  row: OpenRow,
  to: ManagerChoice,
  reason: 'manager_changed' | 'approver_left',
  actor: string | null,
  now: number,
): Promise<boolean> {
  if (!(await repo.transitionRequest(trx, row.request_id, ['pending_approval'], {}, now, { currentStep: row.position }))) return false;
  if (!(await repo.reassignApprover(trx, row.id, now))) return false;
  const siblings = (await repo.listApproversOfRequest(trx, row.request_id)).filter((a) => a.step_id === row.step_id && a.state === 'pending');
  let approvalId = siblings.find((a) => same(a.approver, to.approver))?.id;
  if (approvalId === undefined) {
    [approvalId] = await repo.insertApprovers(trx, [{ request_id: row.request_id, step_id: row.step_id, approver: to.approver, source: to.source }], now);
  }
  const why = reason === 'approver_left' ? 'approver left' : 'manager changed';
  await repo.insertEvent(trx, { request_id: row.request_id, at: now, event: 'reassigned', actor, comment: `${row.approver} → ${to.approver} (${why})` });
  await deps.audit.record(
    {
      action: 'requests.reassigned',
      result: 'success',
      actor,
      subject: row.requester,
      details: { requestId: row.request_id, step: row.position, from: row.approver, to: to.approver, reason },
    },
    trx,
  );
  if (!to.approver.startsWith(ROLE_PREFIX)) {
    await notify(trx, now, {
      recipient: to.approver,
      kind: 'approval_needed',
      params: { requestId: row.request_id, model: row.model_name, requester: row.requester_name },
      link: `/approvals/${approvalId}`,
    });
  }
  return true;
}

/**
 * A person's manager changed (onboarding: HR changed a hire's manager): the open manager steps of
 * their requests move from whoever the step was given to (the old manager, or an admin when there
 * was none) to the new manager, in the caller's transaction, so the change and the move commit
 * together. The same rule as when a step opens: if the new manager submitted the request, it goes
 * one level up (nobody approves their own request), and without a manager to an admin. Rows an SLA
 * escalation added stay (the old manager's manager may still settle an overdue step).
 *
 * `newManager` comes with their own manager (`above`), read from the directory before the
 * transaction (see managerOf): a lookup inside it could wait on the connection the transaction
 * holds. Returns how many steps moved.
 *
 * A manager step's decision is checked against the directory at decision time; the new manager can
 * decide once the directory says so (onboarding writes the change there by its update job, queued
 * in the same transaction).
 */
export async function reassignManagerSteps(
  deps: Pick<RequestsDeps, 'audit' | 'clock'>,
  trx: Trx,
  person: string,
  newManager: { username: string; above: string | null } | null,
  actor: string | null,
): Promise<number> {
  const now = deps.clock.now();
  const rows = await repo.openRowsOf(trx, { requester: person, sources: ['manager', 'role'], stepKind: 'manager' });
  let moved = 0;
  for (const row of rows) {
    const to = choiceOf(row.requester, row.created_by, newManager?.username ?? null, newManager?.above ?? null);
    if (same(to.approver, row.approver)) continue;
    if (await moveRow(deps, trx, row, to, 'manager_changed', actor, now)) moved++;
  }
  return moved;
}

/** A new manager for reassignManagerSteps, with their own manager, read before its transaction. */
export async function managerOf(directory: Directory, username: string | null): Promise<{ username: string; above: string | null } | null> {
  if (!username) return null;
  return { username, above: (await directory.findUser(username))?.manager ?? null };
}

/**
 * Who takes over a leaver's steps: the escalation target (their manager), then that person's
 * manager, for the requests where the first is the requester or submitted it. Read from the
 * directory before the transaction that moves the steps.
 */
export async function successorsOf(directory: Directory, leaver: string): Promise<string[]> {
  const out: string[] = [];
  let current = leaver;
  for (let i = 0; i < 2; i++) {
    const next = await escalationTarget(directory, current);
    if (!next || same(next, leaver) || out.some((p) => same(p, next))) break;
    out.push(next);
    current = next;
  }
  return out;
}

/**
 * An approver left (offboarding closed them out): every step waiting on them as a manager (the
 * requester's manager, or an overdue step's escalation target) moves to `successors` (see
 * successorsOf): the first who is neither the requester nor the one who submitted the request,
 * else an admin — the rule a manager step applies when it opens. The new row is an escalation:
 * the directory still names the leaver as the requester's manager, so the decision-time manager
 * check would refuse anyone else, and an escalated approver settles a step alone, as after an SLA.
 * In the caller's transaction; safe to run again (the leaver's rows are void after the first run).
 * Returns how many steps moved.
 */
export async function reassignStepsOfLeaver(
  deps: Pick<RequestsDeps, 'audit' | 'clock'>,
  trx: Trx,
  leaver: string,
  successors: readonly string[],
): Promise<number> {
  const now = deps.clock.now();
  const rows = await repo.openRowsOf(trx, { approver: leaver, sources: ['manager', 'escalation'] });
  let moved = 0;
  for (const row of rows) {
    const target = successors.find((p) => !same(p, row.requester) && !same(p, row.created_by));
    const to: ManagerChoice = target ? { approver: target, source: 'escalation' } : { approver: `${ROLE_PREFIX}admin`, source: 'role' };
    if (await moveRow(deps, trx, row, to, 'approver_left', null, now)) moved++;
  }
  return moved;
}
