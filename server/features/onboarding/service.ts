import { TZDate } from '@date-fns/tz';
import type { Kysely } from 'kysely';
import {
  type ChecklistItem,
  type ChecklistState,
  hireChangeSchema,
  type HireChangeBody,
  hireDisplayName,
  type HireEquipment,
  type HireView,
  type EmploymentType,
  isStaffGroup,
  mayEditStaffBundle,
  MAX_START_DAYS_AHEAD,
  newHireSchema,
  type NewHireBody,
  type RoleBundleBody,
  roleBundleSchema,
  roleBundleUpdateSchema,
  type RoleBundleList,
  type RoleBundleView,
  STAFF_GROUP_ROLES,
  usernameFromPattern,
} from '../../../shared/onboarding.js';
import { can } from '../../../shared/permissions.js';
import { daysBetween } from '../../../shared/requests.js';
import type { Role } from '../../../shared/roles.js';
import type { Database, HireRow, RoleBundleRow } from '../../db/schema.js';
import { withTransaction } from '../../db/transaction.js';
import { normalizeDn } from '../../directory/ldap-escape.js';
import type { RoleGroups } from '../../directory/roles.js';
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/queue.js';
import { sendMailLater } from '../../mail/outbox.js';
import { activationMail, dayBeforeSummaryMail } from '../../mail/templates.js';
import { issueLinkToken, TTL, voidSecretsOf } from '../../one-time-secrets/service.js';
import type { PortalKeys } from '../../platform/keys.js';
import type { Logger } from '../../platform/logger.js';
import { cancelRequest, createRequest, managerOf, reassignManagerSteps, type RequestsDeps } from '../requests/service.js';
import * as repo from './repository.js';

declare module '../../jobs/queue.js' {
  interface JobPayloads {
    /** Create the hire's account (disabled), add the bundle's groups, ask for the bundle's equipment. */
    'onboarding.provision': { hireId: number };
    /** Local 00:00 of the start date: enable the account, mail the activation link. */
    'onboarding.activate': { hireId: number; version: number };
    /** The day before: "ready / not ready" to the manager and HR. */
    'onboarding.summary': { hireId: number; version: number };
    /** The manager, title, department or location changed: write them to the directory. */
    'onboarding.update': { hireId: number };
    /** A cancelled hire: account removed or left disabled, requests withdrawn, reservations released. */
    'onboarding.close': { hireId: number };
  }
}

/** The requests service's deps and more: equipment is asked for and withdrawn with these as they are. */
export interface OnboardingDeps extends RequestsDeps {
  keys: PortalKeys;
  logger: Logger;
  publicUrl: URL;
  companyName: string;
  onboarding: { usernamePattern: string; cancelledAccount: 'delete' | 'disable'; mailDomain: string };
}

/** Who acts: a signed-in HR member or admin, or (SCIM) the admin a token belongs to. */
export interface OnboardingActor {
  username: string;
  roles: readonly Role[];
}

interface Bundle {
  groups: string[];
  items: { modelId: string; quantity: number }[];
  autoApprove: boolean;
}

const DAY_MS = 86_400_000;
const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : new Date(Number(ms)).toISOString());
const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

export const activateKey = (hireId: number, version: number) => `onboarding.activate:${hireId}:${version}`;
export const summaryKey = (hireId: number, version: number) => `onboarding.summary:${hireId}:${version}`;
export const provisionKey = (hireId: number) => `onboarding.provision:${hireId}`;

// ---------------------------------------------------------------------------------------------
// Time

/** Local 00:00 of `day` in `zone`, as epoch ms (DST-aware: the zone's offset on that day). */
export function startOfDayIn(day: string, zone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d, 0, 0, 0, 0, zone).getTime();
}

/** Today as `YYYY-MM-DD` in a zone. */
export function todayIn(now: number, zone: string): string {
  const local = new TZDate(now, zone);
  return `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
}

/** 09:00 local on the day before `day`, when the day-before summary goes out. */
export function summaryTime(day: string, zone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d - 1, 9, 0, 0, 0, zone).getTime();
}

// ---------------------------------------------------------------------------------------------
// Rules

function requireManage(actor: OnboardingActor): void {
  if (!can(actor.roles, 'onboarding.manage')) throw errors.forbidden('Only HR and admins manage onboarding.');
}

/** The configured help-desk, HR and admin groups: what a bundle may only give when an admin sets it up. */
export function staffGroupsOf(roleGroups: RoleGroups): string[] {
  return STAFF_GROUP_ROLES.flatMap((role) => roleGroups[role]);
}

/** Whether a directory group named in a bundle grants a staff role (the shared rule, with the full DN parser). */
export function grantsStaff(group: string, roleGroups: RoleGroups): boolean {
  return isStaffGroup(group, staffGroupsOf(roleGroups), normalizeDn);
}

function bundleOf(row: HireRow): Bundle {
  return JSON.parse(row.bundle) as Bundle;
}

function fieldErrors(issues: readonly { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

/**
 * The start date must not have passed in the hire's zone (today is fine: the account wakes at once)
 * and must be within a year.
 */
function checkStartDate(startDate: string, zone: string, now: number): string | null {
  const today = todayIn(now, zone);
  if (startDate < today) return 'This day has already passed in the hire’s time zone.';
  if (daysBetween(today, startDate) > MAX_START_DAYS_AHEAD) return `Choose a start date within ${MAX_START_DAYS_AHEAD} days.`;
  return null;
}

/** The manager must be someone in the directory who can sign in. */
async function checkManager(deps: OnboardingDeps, manager: string): Promise<{ username: string } | string> {
  const person = await deps.directory.findUser(manager, { brief: true });
  if (!person || person.disabled) return 'There is no active person with this username.';
  return { username: person.username };
}

/**
 * HR may not onboard themselves (a second account in their own name, e.g. with a bundle's groups):
 * a hire whose personal address is one of the actor's addresses, or who has the actor's name, is refused.
 */
async function assertNotSelf(
  deps: OnboardingDeps,
  actor: OnboardingActor,
  hire: { firstName: string; lastName: string; personalEmail: string },
): Promise<void> {
  const me = await deps.directory.findUser(actor.username, { brief: true });
  const addresses = new Set<string>();
  if (me?.email) addresses.add(me.email.toLowerCase());
  for (const row of await repo.recoveryAddressesOf(deps.db, actor.username)) addresses.add(row.toLowerCase());
  const sameName = me && same(me.displayName.replace(/\s+/g, ' ').trim(), hireDisplayName(hire.firstName, hire.lastName));
  if (addresses.has(hire.personalEmail.toLowerCase()) || sameName) {
    throw errors.forbidden('You cannot onboard yourself. Ask another member of HR.');
  }
}

// ---------------------------------------------------------------------------------------------
// Views

const RESERVED = ['approved', 'ready_for_pickup', 'shipped', 'received'];
const HANDED = ['ready_for_pickup', 'shipped', 'received'];

/** The checklist of a hire at `now`: done items with their time, open ones with when they fall due. */
export function checklistOf(row: HireRow, statuses: Map<number, string>, now: number): ChecklistItem[] {
  const bundle = bundleOf(row);
  const requestIds = JSON.parse(row.request_ids) as number[];
  const start = Number(row.activates_at);
  const cancelled = row.status === 'cancelled';
  const item = (key: ChecklistItem['key'], doneAt: number | null, dueAt: number, needed = true, detail?: string): ChecklistItem => {
    let state: ChecklistState;
    if (!needed) state = 'not_needed';
    else if (doneAt !== null) state = 'done';
    else if (cancelled) state = 'not_needed';
    else state = now > dueAt ? 'overdue' : 'pending';
    const at = state === 'done' ? iso(doneAt) : state === 'not_needed' ? undefined : iso(dueAt);
    return { key, state, ...(at ? { at } : {}), ...(detail ? { detail } : {}) };
  };
  const equipment = (wanted: string[]): { done: boolean; detail: string } => {
    const states = requestIds.map((id) => statuses.get(id) ?? 'unknown');
    const count = states.filter((s) => wanted.includes(s)).length;
    const total = bundle.items.length;
    // Requests not made yet count as not done; a refused one is named.
    const detail = states.some((s) => s === 'rejected') ? `${count} of ${total}, rejected` : `${count} of ${total}`;
    return { done: total > 0 && requestIds.length >= total && count === requestIds.length, detail };
  };
  const hasItems = bundle.items.length > 0;
  const reserved = equipment(RESERVED);
  const handed = equipment(HANDED);
  const received = equipment(['received']);
  // Equipment is done when the last request got there; its time is the hire's update time at the latest.
  const doneWhen = (done: boolean) => (done ? Number(row.equipment_requested_at ?? row.updated_at) : null);
  return [
    item('account_created', row.account_created_at === null ? null : Number(row.account_created_at), start - DAY_MS),
    item('groups_added', row.groups_added_at === null ? null : Number(row.groups_added_at), start - DAY_MS, bundle.groups.length > 0),
    item('equipment_reserved', doneWhen(reserved.done), start - DAY_MS, hasItems, hasItems ? reserved.detail : undefined),
    item('equipment_shipped', doneWhen(handed.done), start, hasItems, hasItems ? handed.detail : undefined),
    // Not received by the end of the first day: overdue.
    item('equipment_received', doneWhen(received.done), start + DAY_MS, hasItems, hasItems ? received.detail : undefined),
    item('activation_sent', row.activation_sent_at === null ? null : Number(row.activation_sent_at), start + 60 * 60_000),
    item('activated', row.activated_at === null ? null : Number(row.activated_at), start + 3 * DAY_MS),
    item('first_sign_in', row.first_sign_in_at === null ? null : Number(row.first_sign_in_at), start + 3 * DAY_MS),
  ];
}

/** A hire's requests by id, as read in one query (repo.requestSummaries). */
export type RequestSummaries = Map<number, { status: string; modelName: string }>;

export function hireView(row: HireRow, requests: RequestSummaries, now: number, options: { personal?: boolean } = {}): HireView {
  const statuses = new Map([...requests].map(([id, r]) => [id, r.status]));
  const checklist = checklistOf(row, statuses, now);
  const requestIds = JSON.parse(row.request_ids) as number[];
  const equipment: HireEquipment[] = requestIds.map((requestId) => {
    const request = requests.get(requestId);
    return { requestId, modelName: request?.modelName ?? '', status: request?.status ?? 'unknown' };
  });
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    firstName: row.first_name,
    lastName: row.last_name,
    personalEmail: options.personal === false ? null : row.personal_email,
    startDate: row.start_date,
    timeZone: row.time_zone,
    department: row.department,
    title: row.title,
    manager: row.manager,
    location: row.location,
    employmentType: row.employment_type as EmploymentType,
    role: row.role_key,
    status: row.status,
    activatesAt: new Date(Number(row.activates_at)).toISOString(),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    requestIds,
    equipment,
    checklist,
    overdue: checklist.some((i) => i.state === 'overdue'),
    problem: row.problem,
  };
}

async function viewOf(deps: OnboardingDeps, row: HireRow): Promise<HireView> {
  return hireView(row, await repo.requestSummaries(deps.db, JSON.parse(row.request_ids) as number[]), deps.clock.now());
}

// ---------------------------------------------------------------------------------------------
// Hires

/**
 * Adds a new hire: in one transaction the hire is recorded, its provisioning job (directory account,
 * groups, equipment) and its start-date jobs are queued, and the change is audited. Nothing is
 * written to the directory and no mail is sent here. SCIM calls this too (with its token's admin).
 */
export async function createHire(
  deps: OnboardingDeps,
  actor: OnboardingActor,
  input: NewHireBody,
  options: { via?: 'scim' } = {},
): Promise<HireView> {
  requireManage(actor);
  const parsed = newHireSchema.safeParse(input);
  if (!parsed.success) throw errors.validationFailed(fieldErrors(parsed.error.issues));
  const hire = parsed.data;
  const now = deps.clock.now();

  const fields: Record<string, string> = {};
  const dateProblem = checkStartDate(hire.startDate, hire.timeZone, now);
  if (dateProblem) fields.startDate = dateProblem;
  let bundleRow: RoleBundleRow | undefined;
  if (hire.role) {
    bundleRow = await repo.findBundle(deps.db, hire.role);
    if (!bundleRow) fields.role = 'There is no such role.';
  }
  const manager = await checkManager(deps, hire.manager);
  if (typeof manager === 'string') fields.manager = manager;
  if (Object.keys(fields).length) throw errors.validationFailed(fields);
  await assertNotSelf(deps, actor, hire);

  const bundle: Bundle = bundleRow
    ? {
        groups: JSON.parse(bundleRow.groups) as string[],
        items: JSON.parse(bundleRow.items) as Bundle['items'],
        autoApprove: bundleRow.auto_approve === 1,
      }
    : { groups: [], items: [], autoApprove: false };
  const activatesAt = startOfDayIn(hire.startDate, hire.timeZone);
  const pattern = deps.onboarding.usernamePattern;

  // Two hires of the same name added at the same moment: the loser of the unique username picks again.
  const id = await retryOnUniqueViolation(() =>
    withTransaction(deps.db, async (trx) => {
      // The first username of the pattern no other hire holds; the directory's own collisions are
      // found by the provisioning job, which moves on to the next number.
      const candidates = Array.from({ length: 20 }, (_, i) => usernameFromPattern(pattern, hire, i + 1));
      const taken = await repo.takenUsernames(trx, candidates);
      let username = candidates.find((c) => !taken.has(c));
      for (let attempt = 21; !username; attempt++) {
        const next = usernameFromPattern(pattern, hire, attempt);
        if (!(await repo.takenUsernames(trx, [next])).size) username = next;
      }
      const hireId = await repo.insertHire(trx, {
        username,
        first_name: hire.firstName,
        last_name: hire.lastName,
        display_name: hireDisplayName(hire.firstName, hire.lastName),
        personal_email: hire.personalEmail,
        start_date: hire.startDate,
        time_zone: hire.timeZone,
        department: hire.department,
        title: hire.title,
        manager: (manager as { username: string }).username,
        location: hire.location ?? null,
        employment_type: hire.employmentType,
        role_key: hire.role ?? null,
        bundle: JSON.stringify(bundle),
        status: 'scheduled',
        activates_at: activatesAt,
        activation_version: 1,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
      });
      await enqueue(trx, { kind: 'onboarding.provision', payload: { hireId }, now, uniqueKey: provisionKey(hireId) });
      await scheduleStart(trx, hireId, 1, hire.startDate, hire.timeZone, activatesAt, now);
      await deps.audit.record(
        {
          action: 'onboarding.hire_created',
          result: 'success',
          actor: actor.username,
          subject: username,
          details: {
            hireId,
            startDate: hire.startDate,
            timeZone: hire.timeZone,
            role: hire.role ?? null,
            ...(options.via ? { via: options.via } : {}),
          },
        },
        trx,
      );
      return hireId;
    }),
  );
  return viewOf(deps, (await repo.findHire(deps.db, id))!);
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return !!e && (e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? ''));
}

async function retryOnUniqueViolation<T>(work: () => Promise<T>, tries = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= tries || !isUniqueViolation(error)) throw error;
    }
  }
}

/** The activation at local midnight and the summary the day before, each unique per hire and version. */
async function scheduleStart(
  trx: Kysely<Database>,
  hireId: number,
  version: number,
  startDate: string,
  zone: string,
  activatesAt: number,
  now: number,
): Promise<void> {
  await enqueue(trx, {
    kind: 'onboarding.activate',
    payload: { hireId, version },
    now,
    runAt: activatesAt,
    uniqueKey: activateKey(hireId, version),
  });
  const summaryAt = summaryTime(startDate, zone);
  // Added on the day before or later: nobody needs a summary of what they just typed.
  if (summaryAt > now) {
    await enqueue(trx, {
      kind: 'onboarding.summary',
      payload: { hireId, version },
      now,
      runAt: summaryAt,
      uniqueKey: summaryKey(hireId, version),
    });
  }
}

/**
 * Whose checklists a reader sees: HR and the help desk every hire, a manager only the hires who will
 * report to them (null: everyone's). Personal addresses only with `onboarding.manage`.
 */
function readScope(actor: OnboardingActor): { manager: string | null; personal: boolean } {
  if (!can(actor.roles, 'onboarding.read')) throw errors.forbidden();
  const all = can(actor.roles, 'onboarding.manage') || actor.roles.includes('helpdesk');
  return { manager: all ? null : actor.username, personal: can(actor.roles, 'onboarding.manage') };
}

export async function listHires(
  deps: OnboardingDeps,
  actor: OnboardingActor,
  filter: { status?: HireRow['status']; limit?: number } = {},
): Promise<HireView[]> {
  const scope = readScope(actor);
  const rows = await repo.listHires(deps.db, { status: filter.status, limit: filter.limit ?? 500, manager: scope.manager });
  const requests = await repo.requestSummaries(
    deps.db,
    rows.flatMap((r) => JSON.parse(r.request_ids) as number[]),
  );
  const now = deps.clock.now();
  return rows.map((r) => hireView(r, requests, now, scope));
}

export async function getHire(deps: OnboardingDeps, actor: OnboardingActor, id: number): Promise<HireView> {
  const scope = readScope(actor);
  const row = await repo.findHire(deps.db, id);
  // Another manager's hire reads as absent, like any other.
  if (!row || (scope.manager !== null && !same(row.manager, scope.manager))) throw errors.notFound('This hire');
  return hireView(row, await repo.requestSummaries(deps.db, JSON.parse(row.request_ids) as number[]), deps.clock.now(), scope);
}

/**
 * Changes a scheduled hire. A moved start date (or zone) moves the activation: the queued jobs of
 * the old date are taken back and new ones queued, in one transaction, under a new version (so a job
 * of the old date that is already running does nothing). A changed manager, title, department or
 * location is written to the directory by a job.
 */
export async function changeHire(deps: OnboardingDeps, actor: OnboardingActor, id: number, input: HireChangeBody): Promise<HireView> {
  requireManage(actor);
  const parsed = hireChangeSchema.safeParse(input);
  if (!parsed.success) throw errors.validationFailed(fieldErrors(parsed.error.issues));
  const change = parsed.data;
  const row = await repo.findHire(deps.db, id);
  if (!row) throw errors.notFound('This hire');
  if (row.status !== 'scheduled') throw errors.invalidTransition('Only a hire who has not started yet can be changed.');
  if (same(row.username, actor.username)) throw errors.forbidden('You cannot change your own onboarding.');
  const now = deps.clock.now();

  const startDate = change.startDate ?? row.start_date;
  const zone = change.timeZone ?? row.time_zone;
  const moved = startDate !== row.start_date || zone !== row.time_zone;
  const fields: Record<string, string> = {};
  if (moved) {
    const problem = checkStartDate(startDate, zone, now);
    if (problem) fields[change.startDate ? 'startDate' : 'timeZone'] = problem;
  }
  let manager = row.manager;
  if (change.manager && !same(change.manager, row.manager)) {
    const found = await checkManager(deps, change.manager);
    if (typeof found === 'string') fields.manager = found;
    else if (same(found.username, row.username)) fields.manager = 'A person cannot be their own manager.';
    else manager = found.username;
  }
  if (Object.keys(fields).length) throw errors.validationFailed(fields);

  const directoryFields = {
    manager,
    title: change.title ?? row.title,
    department: change.department ?? row.department,
    location: change.location === undefined ? row.location : change.location,
  };
  const directoryChanged =
    directoryFields.manager !== row.manager ||
    directoryFields.title !== row.title ||
    directoryFields.department !== row.department ||
    directoryFields.location !== row.location;
  if (!moved && !directoryChanged) return viewOf(deps, row);
  // Read before the transaction (see reassignManagerSteps): who the hire's approvals move to.
  const newManager = manager !== row.manager ? await managerOf(deps.directory, manager) : null;

  await withTransaction(deps.db, async (trx) => {
    const version = moved ? row.activation_version + 1 : row.activation_version;
    const activatesAt = moved ? startOfDayIn(startDate, zone) : Number(row.activates_at);
    const ok = await repo.updateHire(
      trx,
      id,
      {
        ...directoryFields,
        start_date: startDate,
        time_zone: zone,
        activates_at: activatesAt,
        activation_version: version,
        updated_at: now,
      },
      { from: ['scheduled'], version: row.activation_version },
    );
    // Activated (or changed by someone else) since it was read: nothing is half-applied.
    if (!ok) throw errors.invalidTransition('This hire changed meanwhile (or has started). Reload and try again.');
    if (moved) {
      await repo.dropQueuedJobs(trx, [activateKey(id, row.activation_version), summaryKey(id, row.activation_version)]);
      await scheduleStart(trx, id, version, startDate, zone, activatesAt, now);
    }
    if (directoryChanged) await enqueue(trx, { kind: 'onboarding.update', payload: { hireId: id }, now });
    // The hire's equipment approvals waiting on the old manager follow the new one, with the change.
    const reassigned = manager !== row.manager ? await reassignManagerSteps(deps, trx, row.username, newManager, actor.username) : 0;
    await deps.audit.record(
      {
        action: 'onboarding.hire_changed',
        result: 'success',
        actor: actor.username,
        subject: row.username,
        details: {
          hireId: id,
          ...(moved ? { startDate: { from: row.start_date, to: startDate }, timeZone: { from: row.time_zone, to: zone } } : {}),
          ...(manager !== row.manager ? { manager: { from: row.manager, to: manager }, approvalsReassigned: reassigned } : {}),
        },
      },
      trx,
    );
  });
  return viewOf(deps, (await repo.findHire(deps.db, id))!);
}

/**
 * Cancels a hire who has not started: the hire's future jobs are taken back, and a job removes the
 * account (or leaves it disabled, per ONBOARDING_CANCELLED_ACCOUNT), withdraws the equipment
 * requests and releases their reservations.
 */
export async function cancelHire(deps: OnboardingDeps, actor: OnboardingActor, id: number, reason?: string): Promise<HireView> {
  requireManage(actor);
  const row = await repo.findHire(deps.db, id);
  if (!row) throw errors.notFound('This hire');
  if (same(row.username, actor.username)) throw errors.forbidden('You cannot cancel your own onboarding.');
  if (row.status !== 'scheduled')
    throw errors.invalidTransition('Only a hire who has not started yet can be cancelled. Use offboarding for someone who has started.');
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const ok = await repo.updateHire(
      trx,
      id,
      {
        status: 'cancelled',
        cancelled_at: now,
        cancelled_by: actor.username,
        activation_version: row.activation_version + 1,
        updated_at: now,
      },
      { from: ['scheduled'] },
    );
    if (!ok) throw errors.invalidTransition('This hire has started meanwhile. Use offboarding instead.');
    await repo.dropQueuedJobs(trx, [activateKey(id, row.activation_version), summaryKey(id, row.activation_version)]);
    await enqueue(trx, { kind: 'onboarding.close', payload: { hireId: id }, now });
    await deps.audit.record(
      {
        action: 'onboarding.hire_cancelled',
        result: 'success',
        actor: actor.username,
        subject: row.username,
        details: { hireId: id, ...(reason ? { reason } : {}) },
      },
      trx,
    );
  });
  return viewOf(deps, (await repo.findHire(deps.db, id))!);
}

// ---------------------------------------------------------------------------------------------
// Jobs

function isCancelled(row: HireRow | undefined): boolean {
  return !row || row.status === 'cancelled';
}

/**
 * Provisioning, safe to repeat: each step is recorded on the hire when done and skipped when it
 * runs again (after a crash, or a directory outage that made the queue retry it with backoff).
 */
export async function runProvision(deps: OnboardingDeps, hireId: number): Promise<void> {
  let row = await repo.findHire(deps.db, hireId);
  if (isCancelled(row)) return;
  if (row!.account_created_at === null) {
    await createAccount(deps, row!);
    row = await repo.findHire(deps.db, hireId);
    if (isCancelled(row)) return void (await requeueClose(deps, hireId));
  }
  const hire = row!;
  const bundle = bundleOf(hire);
  if (hire.groups_added_at === null) {
    const problems: string[] = [];
    for (const group of bundle.groups) {
      const result = await deps.directory.addToGroup(hire.username, group);
      if (!result.ok) problems.push(`${group}: ${result.reason}`);
    }
    const now = deps.clock.now();
    await withTransaction(deps.db, async (trx) => {
      if (
        !(await repo.updateHire(
          trx,
          hireId,
          { groups_added_at: now, updated_at: now, ...(problems.length ? { problem: problems.join('; ').slice(0, 256) } : {}) },
          { whereNull: 'groups_added_at' },
        ))
      )
        return;
      await deps.audit.record(
        {
          action: 'onboarding.groups_added',
          result: problems.length ? 'failure' : 'success',
          actor: null,
          subject: hire.username,
          details: { hireId, groups: bundle.groups, problems },
        },
        trx,
      );
    });
  }
  if (hire.equipment_requested_at === null && bundle.items.length) await requestEquipment(deps, hire, bundle);
  if (isCancelled(await repo.findHire(deps.db, hireId))) await requeueClose(deps, hireId);
}

/** HR's number on the account: says "this account is that hire's" when a re-run finds it already there. */
const employeeNumberOf = (hireId: number) => `H${hireId}`;

/**
 * Creates the account disabled. A username the directory already has (someone not onboarded here,
 * or a former employee's disabled account, which must never be handed to a new person) moves the
 * hire to the next number of the pattern: reserved on the hire first (the unique key decides
 * between hires), then created. An account found with this hire's employee number is this job's
 * own from an earlier run that died before recording it.
 */
async function createAccount(deps: OnboardingDeps, row: HireRow): Promise<void> {
  let username = row.username;
  let attempt = 1;
  let managerProblem: string | null = null;
  const names = { firstName: row.first_name, lastName: row.last_name, personalEmail: row.personal_email };
  for (;;) {
    const result = await deps.directory.createUser(
      {
        username,
        givenName: row.first_name,
        familyName: row.last_name,
        displayName: row.display_name,
        email: `${username}@${deps.onboarding.mailDomain}`,
        department: row.department,
        title: row.title,
        manager: managerProblem ? null : row.manager,
        employeeNumber: employeeNumberOf(row.id),
      },
      { enabled: false },
    );
    if (result.ok) break;
    if (result.reason === 'no_such_manager' && !managerProblem) {
      // The manager left between the form and now: create the account without one and say so.
      managerProblem = `manager ${row.manager} not found`;
      continue;
    }
    if (result.reason !== 'username_taken') throw new Error(`directory refused the account: ${result.reason}`);
    const existing = await deps.directory.findUser(username);
    if (existing?.employeeNumber === employeeNumberOf(row.id)) break;
    // Taken in the directory: move this hire to the next number no other hire holds.
    for (;;) {
      attempt++;
      if (attempt > 99) throw new Error('no free username for this hire');
      const next = usernameFromPattern(deps.onboarding.usernamePattern, names, attempt);
      if ((await repo.takenUsernames(deps.db, [next])).size) continue;
      try {
        await repo.updateHire(deps.db, row.id, { username: next, updated_at: deps.clock.now() });
      } catch (error) {
        if (isUniqueViolation(error)) continue; // another hire took it just now
        throw error;
      }
      username = next;
      break;
    }
  }
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const changes = { account_created_at: now, updated_at: now, ...(managerProblem ? { problem: managerProblem } : {}) };
    if (!(await repo.updateHire(trx, row.id, changes, { whereNull: 'account_created_at' }))) return;
    await deps.audit.record(
      {
        action: 'onboarding.account_created',
        result: 'success',
        actor: null,
        subject: username,
        details: {
          hireId: row.id,
          enabled: false,
          ...(username !== row.username ? { instead: row.username } : {}),
          ...(managerProblem ? { problem: managerProblem } : {}),
        },
      },
      trx,
    );
  });
}

/**
 * The bundle's equipment, asked for on behalf of the hire through the requests feature (attributed
 * to the HR member who added the hire). Each request is its own transaction there; one already
 * made for a model (found by the marker in its justification) is not made again on a re-run.
 */
async function requestEquipment(deps: OnboardingDeps, hire: HireRow, bundle: Bundle): Promise<void> {
  const marker = `Onboarding #${hire.id}:`;
  const ids: number[] = [];
  const problems: string[] = [];
  // Attributed to the HR member who added the hire. No role is claimed for them here: the forHire
  // path reads none (who may onboard was checked when the hire was added).
  const actor = { username: hire.created_by, roles: ['employee'] as Role[], department: null };
  for (const item of bundle.items) {
    if (isCancelled(await repo.findHire(deps.db, hire.id))) return;
    const existing = await repo.findHireRequest(deps.db, hire.username, item.modelId, marker);
    if (existing !== null) {
      ids.push(existing);
      continue;
    }
    try {
      const request = await createRequest(
        deps,
        actor,
        {
          modelId: item.modelId,
          quantity: item.quantity,
          justification: `${marker} ${hire.title}, starting ${hire.start_date}.`,
          neededBy: hire.start_date,
        },
        {
          forHire: {
            person: { username: hire.username, displayName: hire.display_name, department: hire.department, manager: hire.manager },
            autoApprove: bundle.autoApprove,
          },
        },
      );
      ids.push(request.id);
    } catch (error) {
      // An item no longer in the catalogue (or not for this person) is for HR to sort out, not a retry.
      if (!(error instanceof AppError) || error.code === 'directory_unavailable' || error.code === 'inventory_unavailable') throw error;
      problems.push(`${item.modelId}: ${error.code}`);
    }
  }
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const changes = {
      request_ids: JSON.stringify(ids),
      equipment_requested_at: now,
      updated_at: now,
      ...(problems.length ? { problem: problems.join('; ').slice(0, 256) } : {}),
    };
    if (!(await repo.updateHire(trx, hire.id, changes, { whereNull: 'equipment_requested_at' }))) return;
    await deps.audit.record(
      {
        action: 'onboarding.equipment_requested',
        result: problems.length ? 'failure' : 'success',
        actor: hire.created_by,
        subject: hire.username,
        details: { hireId: hire.id, requests: ids, problems },
      },
      trx,
    );
  });
}

async function requeueClose(deps: OnboardingDeps, hireId: number): Promise<void> {
  await enqueue(deps.db, { kind: 'onboarding.close', payload: { hireId }, now: deps.clock.now() });
}

/**
 * Local midnight of the start date: the account is enabled and the activation link mailed. The
 * directory write is repeatable; the hire's move to `active` is one conditional update, so of any
 * number of runs (several processes, a retry after a crash) exactly one issues the link, sends the
 * mail and writes the audit row.
 */
export async function runActivate(deps: OnboardingDeps, hireId: number, version: number): Promise<void> {
  const row = await repo.findHire(deps.db, hireId);
  if (!row || row.status !== 'scheduled' || row.activation_version !== version) return;
  // Provisioning has not created the account yet (the directory was down): try again later.
  if (row.account_created_at === null) throw new Error('the account is not created yet; activation waits for provisioning');
  const result = await deps.directory.setEnabled(row.username, true);
  if (!result.ok) throw new Error(`directory refused to enable the account: ${result.reason}`);
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (
      !(await repo.updateHire(
        trx,
        hireId,
        { status: 'active', activation_sent_at: now, updated_at: now },
        { from: ['scheduled'], version },
      ))
    )
      return;
    const { secret } = await issueLinkToken(
      { db: trx, clock: deps.clock, keys: deps.keys },
      { username: row.username, createdBy: row.created_by, purpose: 'activation' },
    );
    const link = new URL(`/activate#token=${secret}`, deps.publicUrl).href;
    await sendMailLater(
      trx,
      deps.keys,
      now,
      activationMail(row.personal_email, row.first_name, row.username, link, TTL.activation / DAY_MS, deps.companyName),
    );
    await deps.audit.record(
      {
        action: 'onboarding.account_enabled',
        result: 'success',
        actor: null,
        subject: row.username,
        details: { hireId, activationSent: true },
      },
      trx,
    );
  });
}

/**
 * A new activation link for a hire who has started but not set a password yet (the first one
 * expired or was lost), to the same personal address. Older links of theirs stop working.
 */
export async function resendActivation(deps: OnboardingDeps, actor: OnboardingActor, id: number): Promise<HireView> {
  requireManage(actor);
  const row = await repo.findHire(deps.db, id);
  if (!row) throw errors.notFound('This hire');
  if (same(row.username, actor.username)) throw errors.forbidden('You cannot do this for your own account.');
  if (row.status !== 'active' || row.activated_at !== null) {
    throw errors.invalidTransition('Only a hire who has started and not set a password yet can get a new link.');
  }
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const secrets = { db: trx, clock: deps.clock, keys: deps.keys };
    await voidSecretsOf(secrets, row.username, ['activation']);
    const { secret } = await issueLinkToken(secrets, { username: row.username, createdBy: actor.username, purpose: 'activation' });
    const link = new URL(`/activate#token=${secret}`, deps.publicUrl).href;
    await sendMailLater(
      trx,
      deps.keys,
      now,
      activationMail(row.personal_email, row.first_name, row.username, link, TTL.activation / DAY_MS, deps.companyName),
    );
    await repo.updateHire(trx, id, { activation_sent_at: now, updated_at: now });
    await deps.audit.record(
      { action: 'onboarding.activation_resent', result: 'success', actor: actor.username, subject: row.username, details: { hireId: id } },
      trx,
    );
  });
  return viewOf(deps, (await repo.findHire(deps.db, id))!);
}

/** The day before: "ready / not ready" to the manager and to the HR member who added the hire. */
export async function runSummary(deps: OnboardingDeps, hireId: number, version: number): Promise<void> {
  const row = await repo.findHire(deps.db, hireId);
  if (!row || row.status !== 'scheduled' || row.activation_version !== version) return;
  // Run late (the queue was down past the start): "starts tomorrow" would be wrong, and the
  // checklist on the hire's page says the rest.
  if (deps.clock.now() >= Number(row.activates_at)) return;
  const view = await viewOf(deps, row);
  // What must be done before the first day; activation and sign-in happen on it.
  const before = new Set(['account_created', 'groups_added', 'equipment_reserved', 'equipment_shipped']);
  const open = view.checklist.filter((i) => before.has(i.key) && (i.state === 'pending' || i.state === 'overdue'));
  const recipients = new Map<string, string>();
  for (const who of [row.manager, row.created_by]) {
    const person = await deps.directory.findUser(who, { brief: true });
    if (person?.email && !person.disabled) recipients.set(person.email.toLowerCase(), person.email);
  }
  const url = new URL(`/onboarding/${hireId}`, deps.publicUrl).href;
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    for (const to of recipients.values()) {
      await sendMailLater(
        trx,
        deps.keys,
        now,
        dayBeforeSummaryMail(
          to,
          { displayName: row.display_name, username: row.username, startDate: row.start_date, timeZone: row.time_zone },
          open,
          url,
        ),
      );
    }
    await deps.audit.record(
      {
        action: 'onboarding.summary_sent',
        result: 'success',
        actor: null,
        subject: row.username,
        details: { hireId, ready: open.length === 0, open: open.map((i) => i.key), recipients: recipients.size },
      },
      trx,
    );
  });
}

/** Writes the hire's current manager, title, department and location to the directory (once the account exists). */
export async function runUpdate(deps: OnboardingDeps, hireId: number): Promise<void> {
  const row = await repo.findHire(deps.db, hireId);
  if (!row || row.status === 'cancelled' || row.account_created_at === null) return;
  const result = await deps.directory.updateUser(row.username, { manager: row.manager, title: row.title, department: row.department });
  if (!result.ok) throw new Error(`directory refused the update: ${result.reason}`);
  await deps.audit.record({
    action: 'onboarding.account_updated',
    result: 'success',
    actor: null,
    subject: row.username,
    details: { hireId, manager: row.manager },
  });
}

/** A cancelled hire: the account goes (or stays disabled), the equipment requests are withdrawn. */
export async function runClose(deps: OnboardingDeps, hireId: number): Promise<void> {
  const row = await repo.findHire(deps.db, hireId);
  if (!row || row.status !== 'cancelled') return;
  // Whoever cancelled the hire (checked for onboarding.manage then); the forHire path reads no role.
  const actor = { username: row.cancelled_by ?? row.created_by, roles: ['employee'] as Role[], department: null };
  const requests = await repo.requestSummaries(deps.db, JSON.parse(row.request_ids) as number[]);
  for (const [id, { status }] of requests) {
    if (!['pending_approval', 'approved', 'backordered'].includes(status)) continue;
    try {
      await cancelRequest(deps, actor, id, 'The hire was cancelled.', { forHire: true });
    } catch (error) {
      // Settled by someone else meanwhile (handed over, say): nothing left to withdraw here.
      if (!(error instanceof AppError) || error.code !== 'invalid_transition') throw error;
    }
  }
  if (row.account_created_at !== null) {
    const policy = deps.onboarding.cancelledAccount;
    const result =
      policy === 'delete' ? await deps.directory.deleteUser(row.username) : await deps.directory.setEnabled(row.username, false);
    if (!result.ok && result.reason !== 'not_found') throw new Error(`directory refused to ${policy} the account: ${result.reason}`);
    await deps.audit.record({
      action: policy === 'delete' ? 'onboarding.account_deleted' : 'onboarding.account_disabled',
      result: 'success',
      actor: null,
      subject: row.username,
      details: { hireId },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// First sign-in

/** Called where sessions start: the first sign-in of someone onboarded here ticks their checklist. */
export async function recordFirstSignIn(deps: Pick<OnboardingDeps, 'db' | 'audit'>, username: string, now: number): Promise<void> {
  if (await repo.markFirstSignIn(deps.db, username, now)) {
    await deps.audit.record({ action: 'onboarding.first_sign_in', result: 'success', actor: username });
  }
}

// ---------------------------------------------------------------------------------------------
// Role bundles

function bundleView(row: RoleBundleRow): RoleBundleView {
  return {
    key: row.key,
    name: row.name,
    groups: JSON.parse(row.groups) as string[],
    items: JSON.parse(row.items) as RoleBundleView['items'],
    autoApprove: row.auto_approve === 1,
    grantsStaff: row.grants_staff === 1,
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    updatedBy: row.updated_by,
  };
}

export async function listBundles(deps: OnboardingDeps, actor: OnboardingActor): Promise<RoleBundleList> {
  requireManage(actor);
  return { items: (await repo.listBundles(deps.db)).map(bundleView), staffGroups: staffGroupsOf(deps.roleGroups) };
}

/** Staff groups (help desk, HR, admin) in a bundle: admins only, both to grant and to change such a bundle. */
function assertMayGrant(deps: OnboardingDeps, actor: OnboardingActor, groups: string[], existing?: RoleBundleRow): boolean {
  const staff = groups.some((g) => grantsStaff(g, deps.roleGroups));
  if ((staff || existing?.grants_staff === 1) && !mayEditStaffBundle(actor.roles)) {
    throw errors.forbidden('Only an admin can set up a role that gives help-desk, HR or admin access.');
  }
  return staff;
}

async function checkItems(deps: OnboardingDeps, items: { modelId: string }[]): Promise<void> {
  const fields: Record<string, string> = {};
  for (const [i, item] of items.entries()) {
    const model = await deps.inventory.getModel(item.modelId);
    if (!model || !model.requestable) fields[`items.${i}.modelId`] = 'There is no such item in the catalog.';
  }
  if (Object.keys(fields).length) throw errors.validationFailed(fields);
}

export async function createBundle(deps: OnboardingDeps, actor: OnboardingActor, input: RoleBundleBody): Promise<RoleBundleView> {
  requireManage(actor);
  const parsed = roleBundleSchema.safeParse(input);
  if (!parsed.success) throw errors.validationFailed(fieldErrors(parsed.error.issues));
  const body = parsed.data;
  const staff = assertMayGrant(deps, actor, body.groups);
  await checkItems(deps, body.items);
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const inserted = await repo.insertBundle(trx, {
      key: body.key,
      name: body.name,
      groups: JSON.stringify(body.groups),
      items: JSON.stringify(body.items),
      auto_approve: body.autoApprove ? 1 : 0,
      grants_staff: staff ? 1 : 0,
      created_at: now,
      updated_at: now,
      updated_by: actor.username,
    });
    if (!inserted) throw errors.validationFailed({ key: 'A role with this key exists already.' });
    await deps.audit.record(
      {
        action: 'onboarding.bundle_created',
        result: 'success',
        actor: actor.username,
        details: { key: body.key, groups: body.groups, items: body.items, autoApprove: body.autoApprove },
      },
      trx,
    );
  });
  return bundleView((await repo.findBundle(deps.db, body.key))!);
}

export async function updateBundle(
  deps: OnboardingDeps,
  actor: OnboardingActor,
  key: string,
  input: Omit<RoleBundleBody, 'key'>,
): Promise<RoleBundleView> {
  requireManage(actor);
  const parsed = roleBundleUpdateSchema.safeParse(input);
  if (!parsed.success) throw errors.validationFailed(fieldErrors(parsed.error.issues));
  const body = parsed.data;
  const existing = await repo.findBundle(deps.db, key);
  if (!existing) throw errors.notFound('This role');
  const staff = assertMayGrant(deps, actor, body.groups, existing);
  await checkItems(deps, body.items);
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await repo.updateBundle(trx, key, {
      name: body.name,
      groups: JSON.stringify(body.groups),
      items: JSON.stringify(body.items),
      auto_approve: body.autoApprove ? 1 : 0,
      grants_staff: staff ? 1 : 0,
      updated_at: now,
      updated_by: actor.username,
    });
    await deps.audit.record(
      {
        action: 'onboarding.bundle_changed',
        result: 'success',
        actor: actor.username,
        details: { key, groups: body.groups, items: body.items, autoApprove: body.autoApprove },
      },
      trx,
    );
  });
  return bundleView((await repo.findBundle(deps.db, key))!);
}

export async function deleteBundle(deps: OnboardingDeps, actor: OnboardingActor, key: string): Promise<void> {
  requireManage(actor);
  const existing = await repo.findBundle(deps.db, key);
  if (!existing) throw errors.notFound('This role');
  assertMayGrant(deps, actor, [], existing);
  await withTransaction(deps.db, async (trx) => {
    await repo.deleteBundle(trx, key);
    await deps.audit.record({ action: 'onboarding.bundle_deleted', result: 'success', actor: actor.username, details: { key } }, trx);
  });
}
