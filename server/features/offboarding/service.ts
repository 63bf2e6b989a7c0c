import type { Kysely } from 'kysely';
import type { ChecklistItem, OffboardingBody } from '../../../shared/onboarding.js';
import {
  endOfDayIn,
  MAX_LAST_DAY_DAYS_AHEAD,
  MAX_LAST_DAY_DAYS_BACK,
  type OffboardingChangeBody,
  type OffboardingDetail,
  type OffboardingReturn,
  offboardingRefusal,
} from '../../../shared/offboarding.js';
import type { Role } from '../../../shared/roles.js';
import type { AuditTrail } from '../../audit/audit.js';
import type { Database } from '../../db/schema.js';
import { withTransaction } from '../../db/transaction.js';
import type { Directory } from '../../directory/port.js';
import { type RoleGroups, rolesFromGroups } from '../../directory/roles.js';
import { errors } from '../../errors.js';
import type { Inventory } from '../../inventory/port.js';
import { enqueue, reschedule } from '../../jobs/queue.js';
import type { Clock } from '../../platform/clock.js';
import type { PortalKeys } from '../../platform/keys.js';
import type { SessionService } from '../../sessions/service.js';
import * as repo from './repository.js';

declare module '../../jobs/queue.js' {
  interface JobPayloads {
    /** Closes a leaver out at the end of their last day; see close.ts. */
    'offboarding.close': { offboardingId: number };
  }
}

export interface OffboardingDeps {
  db: Kysely<Database>;
  directory: Directory;
  roleGroups: RoleGroups;
  inventory: Inventory;
  audit: AuditTrail;
  clock: Clock;
  keys: PortalKeys;
  sessions: SessionService;
  publicUrl: URL;
}

/** The HR member or admin acting, as their session knows them. */
export interface OffboardingActor {
  username: string;
  roles: readonly Role[];
}

const DAY_MS = 24 * 60 * 60_000;
/** The close job should have run within this of the end of the last day; later, the step shows overdue. */
const CLOSE_GRACE_MS = 60 * 60_000;
/** Devices should be back within this of the last day. */
const RETURNS_GRACE_MS = 14 * DAY_MS;

/** The job's key: one close per offboarding, however many processes or retries. */
export const closeJobKey = (id: number) => `offboarding.close:${id}`;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

const REFUSAL_MESSAGES = {
  self: 'You cannot offboard yourself: ask HR or an admin.',
  admin_account: 'Only an admin can offboard an admin.',
  hr_account: 'Only an admin can offboard a member of HR.',
} as const;

/** The end of the last day, with the window HR may pick it from (a field error otherwise). */
function closesAtFor(lastDay: string, timeZone: string, now: number): number {
  const closesAt = endOfDayIn(lastDay, timeZone);
  if (closesAt < now - MAX_LAST_DAY_DAYS_BACK * DAY_MS) {
    throw errors.validationFailed({ lastDay: `The last day may be at most ${MAX_LAST_DAY_DAYS_BACK} days ago.` });
  }
  if (closesAt > now + MAX_LAST_DAY_DAYS_AHEAD * DAY_MS) {
    throw errors.validationFailed({ lastDay: `The last day may be at most ${MAX_LAST_DAY_DAYS_AHEAD} days ahead.` });
  }
  return closesAt;
}

/**
 * Schedules a leaver's close-out: the row and its job in one transaction, the job due at the end
 * of the last day in the person's zone. Refused (and audited) for oneself, and for an admin or HR
 * colleague unless the actor is an admin; 409 when one is already scheduled.
 */
export async function startOffboarding(deps: OffboardingDeps, actor: OffboardingActor, body: OffboardingBody): Promise<OffboardingDetail> {
  const now = deps.clock.now();
  const user = await deps.directory.findUser(body.username);
  if (!user) throw errors.notFound('That person');
  const refusal = offboardingRefusal(actor, { username: user.username, roles: rolesFromGroups(user, deps.roleGroups) });
  if (refusal) {
    await deps.audit.record({ action: 'offboarding.start', actor: actor.username, subject: user.username, result: 'denied', details: { reason: refusal } });
    throw errors.forbidden(REFUSAL_MESSAGES[refusal]);
  }
  const closesAt = closesAtFor(body.lastDay, body.timeZone, now);
  if (await repo.findScheduledOffboardingOf(deps.db, user.username)) throw errors.offboardingScheduled();
  let id: number;
  try {
    id = await withTransaction(deps.db, async (trx) => {
      const offboardingId = await repo.insertOffboarding(trx, {
        username: user.username,
        display_name: user.displayName,
        manager: user.manager,
        last_day: body.lastDay,
        time_zone: body.timeZone,
        closes_at: closesAt,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
      });
      await enqueue(trx, { kind: 'offboarding.close', payload: { offboardingId }, now, runAt: closesAt, uniqueKey: closeJobKey(offboardingId) });
      await deps.audit.record(
        {
          action: 'offboarding.start',
          actor: actor.username,
          subject: user.username,
          result: 'success',
          details: { offboardingId, lastDay: body.lastDay, timeZone: body.timeZone, closesAt: iso(closesAt) },
        },
        trx,
      );
      return offboardingId;
    });
  } catch (error) {
    // Two HR members at once: the partial unique index let one row in; the other lands here.
    if (await repo.findScheduledOffboardingOf(deps.db, user.username)) throw errors.offboardingScheduled();
    throw error;
  }
  return getOffboarding(deps, id);
}

async function scheduledOrRefuse(deps: OffboardingDeps, actor: OffboardingActor, id: number, action: string): Promise<repo.OffboardingRow> {
  const row = await repo.findOffboarding(deps.db, id);
  if (!row) throw errors.notFound('This offboarding');
  // The same rule as for starting one: an HR member cannot move or cancel an admin's (or their own).
  const user = await deps.directory.findUser(row.username);
  const roles = user ? rolesFromGroups(user, deps.roleGroups) : (['employee'] as Role[]);
  const refusal = offboardingRefusal(actor, { username: row.username, roles });
  if (refusal) {
    await deps.audit.record({ action, actor: actor.username, subject: row.username, result: 'denied', details: { offboardingId: id, reason: refusal } });
    throw errors.forbidden(REFUSAL_MESSAGES[refusal]);
  }
  if (row.status !== 'scheduled') throw errors.invalidTransition(`This offboarding is already ${row.status}.`);
  if (Number(row.closes_at) <= deps.clock.now()) throw errors.invalidTransition('The last day has ended: this person is being closed out already.');
  return row;
}

/** Moves the last day (or zone); the close job moves in the same transaction. */
export async function changeOffboarding(deps: OffboardingDeps, actor: OffboardingActor, id: number, body: OffboardingChangeBody): Promise<OffboardingDetail> {
  const row = await scheduledOrRefuse(deps, actor, id, 'offboarding.change');
  const now = deps.clock.now();
  const lastDay = body.lastDay ?? row.last_day;
  const timeZone = body.timeZone ?? row.time_zone;
  const closesAt = closesAtFor(lastDay, timeZone, now);
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.moveOffboarding(trx, id, { last_day: lastDay, time_zone: timeZone, closes_at: closesAt }, now))) {
      throw errors.invalidTransition('This offboarding is no longer scheduled.');
    }
    // A job already claimed (running) cannot be moved: the close-out has begun.
    if (!(await reschedule(trx, closeJobKey(id), closesAt, now))) {
      throw errors.invalidTransition('The close-out has already begun.');
    }
    await deps.audit.record(
      {
        action: 'offboarding.change',
        actor: actor.username,
        subject: row.username,
        result: 'success',
        details: { offboardingId: id, from: row.last_day, lastDay, timeZone, closesAt: iso(closesAt) },
      },
      trx,
    );
  });
  return getOffboarding(deps, id);
}

/** Cancels a scheduled offboarding; its job then finds it cancelled and does nothing. */
export async function cancelOffboarding(deps: OffboardingDeps, actor: OffboardingActor, id: number, reason: string | undefined): Promise<OffboardingDetail> {
  const row = await scheduledOrRefuse(deps, actor, id, 'offboarding.cancel');
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.cancelOffboardingRow(trx, id, actor.username, now))) throw errors.invalidTransition('This offboarding is no longer scheduled.');
    await deps.audit.record(
      { action: 'offboarding.cancel', actor: actor.username, subject: row.username, result: 'success', details: { offboardingId: id, reason: reason ?? null } },
      trx,
    );
  });
  return getOffboarding(deps, id);
}

export async function getOffboarding(deps: Pick<OffboardingDeps, 'db' | 'clock'>, id: number): Promise<OffboardingDetail> {
  const row = await repo.findOffboarding(deps.db, id);
  if (!row) throw errors.notFound('This offboarding');
  const returns = await repo.listReturnsWithState(deps.db, [id]);
  return detailOf(row, returns, deps.clock.now());
}

export async function listOffboardings(
  deps: Pick<OffboardingDeps, 'db' | 'clock'>,
  status: repo.OffboardingRow['status'] | undefined,
  limit = 200,
): Promise<OffboardingDetail[]> {
  const rows = await repo.listOffboardingRows(deps.db, status, limit);
  const returns = await repo.listReturnsWithState(
    deps.db,
    rows.map((r) => r.id),
  );
  const now = deps.clock.now();
  return rows.map((row) =>
    detailOf(
      row,
      returns.filter((r) => r.offboarding_id === row.id),
      now,
    ),
  );
}

type ReturnState = Awaited<ReturnType<typeof repo.listReturnsWithState>>[number];

/** The checklist: three steps the close job ticks, and the returns, which follow the help desk's check-ins. */
export function detailOf(row: repo.OffboardingRow, returnRows: ReturnState[], now: number): OffboardingDetail {
  const closesAt = Number(row.closes_at);
  const returns: OffboardingReturn[] = returnRows.map((r) => {
    const received = r.state === 'closed' && r.resolution === 'checked_in';
    return { assetTag: r.asset_tag, modelName: r.model_name, reportId: Number(r.report_id), received, receivedAt: received ? iso(r.closed_at) : null };
  });
  const cancelled = row.status === 'cancelled';
  const step = (key: ChecklistItem['key'], at: number | null, graceMs: number): ChecklistItem => {
    if (at !== null) return { key, state: 'done', at: iso(at)! };
    if (cancelled) return { key, state: 'not_needed' };
    return { key, state: now > closesAt + graceMs ? 'overdue' : 'pending', at: iso(closesAt)! };
  };
  const received = returns.filter((r) => r.received);
  let returnsReceived: ChecklistItem;
  if (row.returns_opened_at !== null && returns.length === 0) returnsReceived = { key: 'returns_received', state: 'not_needed' };
  else if (row.returns_opened_at !== null && received.length === returns.length) {
    const last = Math.max(...received.map((r) => Date.parse(r.receivedAt!)));
    returnsReceived = { key: 'returns_received', state: 'done', at: iso(last)!, detail: `${received.length} of ${returns.length}` };
  } else if (cancelled) returnsReceived = { key: 'returns_received', state: 'not_needed' };
  else {
    returnsReceived = {
      key: 'returns_received',
      state: now > closesAt + RETURNS_GRACE_MS ? 'overdue' : 'pending',
      at: iso(closesAt + RETURNS_GRACE_MS)!,
      detail: `${received.length} of ${returns.length}`,
    };
  }
  const returnsOpened = step('returns_opened', row.returns_opened_at, CLOSE_GRACE_MS);
  if (returnsOpened.state === 'done') returnsOpened.detail = String(returns.length);
  const checklist: ChecklistItem[] = [
    step('account_disabled', row.account_disabled_at, CLOSE_GRACE_MS),
    step('sessions_revoked', row.sessions_revoked_at, CLOSE_GRACE_MS),
    returnsOpened,
    returnsReceived,
  ];
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.display_name,
    lastDay: row.last_day,
    timeZone: row.time_zone,
    status: row.status,
    closesAt: iso(closesAt)!,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    checklist,
    overdue: checklist.some((item) => item.state === 'overdue'),
    manager: row.manager,
    returns,
    cancelledAt: iso(row.cancelled_at),
    cancelledBy: row.cancelled_by,
  };
}
