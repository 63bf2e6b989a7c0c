import { withTransaction } from '../../db/transaction.js';
import { DirectoryUnavailableError } from '../../directory/port.js';
import type { JobQueue } from '../../jobs/queue.js';
import { sendMailLater } from '../../mail/outbox.js';
import { offboardingSummaryMail } from '../../mail/templates.js';
import { consumeSecretsOf } from '../../one-time-secrets/repository.js';
import { deletePushSubscriptionsOf } from '../../push/repository.js';
import { deleteTrustedDevicesOf } from '../auth/trusted-devices.js';
import { cancelFlowsOf } from '../password/repository.js';
import { deletePasskeysOf, deleteTotp } from '../recovery/repository.js';
import { deleteDelegationsInvolving, insertDeviceReport, openReportsOfAssets } from '../requests/repository.js';
import { reassignStepsOfLeaver, successorsOf } from '../requests/service.js';
import * as repo from './repository.js';
import type { OffboardingDeps } from './service.js';

/**
 * The end of a last day: disable the account, end everything that lets the person in or acts for
 * them, open a return for each device they hold, tell the manager and HR. Each step ticks its
 * checklist column once, so a retry (directory down, a crash mid-way) skips what is done and
 * never opens a second return or sends a second summary.
 */
export async function closeOffboarding(deps: OffboardingDeps, offboardingId: number): Promise<void> {
  const row = await repo.findOffboarding(deps.db, offboardingId);
  // Cancelled (or already done): nothing to do. A moved last day moved this job with it.
  if (!row || row.status !== 'scheduled') return;
  // The job and closes_at move together, so this cannot happen short of a bug; failing (and being
  // retried, then shown to an admin) beats completing the job without closing anything.
  if (Number(row.closes_at) > deps.clock.now()) throw new Error(`offboarding ${offboardingId} ran before the end of the last day`);
  const { username } = row;

  if (row.account_disabled_at === null) {
    let found = true;
    try {
      const result = await deps.directory.setEnabled(username, false);
      found = result.ok || result.reason !== 'not_found';
      if (!result.ok && result.reason !== 'not_found') throw new Error(`the directory refused to disable the account (${result.reason})`);
    } catch (error) {
      // While the directory is down the job retries with backoff; the portal sessions end now anyway.
      if (error instanceof DirectoryUnavailableError) await deps.sessions.endAllFor(username);
      throw error;
    }
    await withTransaction(deps.db, async (trx) => {
      if (!(await repo.markStep(trx, offboardingId, 'account_disabled_at', deps.clock.now()))) return;
      await deps.audit.record(
        { action: 'offboarding.account_disabled', actor: null, subject: username, result: 'success', details: { offboardingId, found } },
        trx,
      );
    });
  }

  if (row.sessions_revoked_at === null) await revokeAccess(deps, offboardingId, username);
  if (row.returns_opened_at === null) await openReturns(deps, offboardingId, username, row.last_day);
  await finish(deps, offboardingId);
}

/**
 * Everything besides the directory account that lets the person in or acts for them: sessions,
 * one-time codes and links, reset flows, remembered browsers, passkeys and authenticator (the
 * factors a reset would accept if the account were ever enabled again), push subscriptions, and
 * approval delegations given or held. Approval steps waiting on the person as a manager move to
 * their own manager (see reassignStepsOfLeaver), so no request hangs on someone who cannot sign in.
 * All idempotent: a retry finds nothing left to end or move.
 */
async function revokeAccess(deps: OffboardingDeps, offboardingId: number, username: string): Promise<void> {
  const sessions = await deps.sessions.endAllFor(username);
  // Read before the transaction, so it never waits on the directory (down: the job retries).
  const successors = await successorsOf(deps.directory, username);
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await consumeSecretsOf(trx, username, now);
    await cancelFlowsOf(trx, username, now);
    const devices = await deleteTrustedDevicesOf(trx, username);
    const passkeys = await deletePasskeysOf(trx, username);
    await deleteTotp(trx, username);
    const push = await deletePushSubscriptionsOf(trx, username);
    const delegations = await deleteDelegationsInvolving(trx, username);
    const approvalsReassigned = await reassignStepsOfLeaver(deps, trx, username, successors);
    if (!(await repo.markStep(trx, offboardingId, 'sessions_revoked_at', now))) return;
    await deps.audit.record(
      {
        action: 'offboarding.access_revoked',
        actor: null,
        subject: username,
        result: 'success',
        details: { offboardingId, sessions, trustedDevices: devices, passkeys, pushSubscriptions: push, delegations, approvalsReassigned },
      },
      trx,
    );
  });
}

/** A return (a device report of kind `return`) per assigned asset; an open one the person filed is reused. */
async function openReturns(deps: OffboardingDeps, offboardingId: number, username: string, lastDay: string): Promise<void> {
  const assets = await deps.inventory.assignedTo(username);
  for (const asset of assets) {
    await withTransaction(deps.db, async (trx) => {
      if (await repo.findReturn(trx, offboardingId, asset.tag)) return;
      const now = deps.clock.now();
      const open = (await openReportsOfAssets(trx, [asset.tag])).find((r) => r.kind === 'return');
      const reportId =
        open?.id ??
        (await insertDeviceReport(trx, {
          asset_tag: asset.tag,
          reporter: username,
          kind: 'return',
          description: `Offboarding: last day ${lastDay}. Collect this device and check it in.`,
          created_at: now,
        }));
      await repo.insertReturn(trx, { offboarding_id: offboardingId, asset_tag: asset.tag, model_name: asset.modelName, report_id: Number(reportId), created_at: now });
      await deps.audit.record(
        { action: 'offboarding.return_opened', actor: null, subject: username, result: 'success', details: { offboardingId, assetTag: asset.tag, reportId: Number(reportId) } },
        trx,
      );
    });
  }
  await repo.markStep(deps.db, offboardingId, 'returns_opened_at', deps.clock.now());
}

/** Marks it done and queues the summary for the manager and the HR member who started it, once. */
async function finish(deps: OffboardingDeps, offboardingId: number): Promise<void> {
  const row = (await repo.findOffboarding(deps.db, offboardingId))!;
  const returns = await repo.listReturnsWithState(deps.db, [offboardingId]);
  // Addresses are read before the transaction, so it never waits on the directory.
  // Gone from the directory (removed before the last day ended): the summary says so instead of "disabled".
  const stillThere = (await deps.directory.findUser(row.username)) !== null;
  const recipients = new Set<string>();
  for (const name of [row.manager, row.created_by]) {
    if (!name) continue;
    const person = await deps.directory.findUser(name);
    if (person?.email && !person.disabled) recipients.add(person.email.toLowerCase());
  }
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    // The summary goes once: a retry that finds it sent only makes sure the offboarding reads done.
    if (!(await repo.markStep(trx, offboardingId, 'summary_sent_at', now))) {
      await repo.markDone(trx, offboardingId, now);
      return;
    }
    const summary = {
      displayName: row.display_name,
      username: row.username,
      lastDay: row.last_day,
      timeZone: row.time_zone,
      accountDisabled: stillThere,
      devices: returns.map((r) => ({ assetTag: r.asset_tag, modelName: r.model_name })),
      url: new URL(`/onboarding/leavers/${offboardingId}`, deps.publicUrl).toString(),
    };
    for (const to of recipients) await sendMailLater(trx, deps.keys, now, offboardingSummaryMail(to, summary));
    await repo.markDone(trx, offboardingId, now);
    await deps.audit.record(
      {
        action: 'offboarding.closed',
        actor: null,
        subject: row.username,
        result: 'success',
        details: { offboardingId, startedBy: row.created_by, returns: returns.length, mailed: recipients.size },
      },
      trx,
    );
  });
}

export function registerOffboardingJobs(queue: JobQueue, deps: OffboardingDeps): void {
  queue.register('offboarding.close', async ({ offboardingId }) => closeOffboarding(deps, offboardingId));
}
