import type { Device, DeviceReport, DeviceReportBody, DeviceReportKind } from '../../../shared/requests.js';
import { withTransaction } from '../../db/transaction.js';
import { errors } from '../../errors.js';
import { notify } from '../../notifications/notify.js';
import * as repo from './repository.js';
import { type Actor, type RequestsDeps, serveBackorders } from './service.js';

// My devices and the reports people file about them (a problem, a return, a replacement).

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export async function myDevices(deps: RequestsDeps, actor: Actor): Promise<Device[]> {
  const assets = await deps.inventory.assignedTo(actor.username);
  const reports = await repo.openReportsOfAssets(deps.db, assets.map((a) => a.tag));
  return assets.map((a) => {
    const report = reports.find((r) => r.asset_tag === a.tag);
    return {
      assetId: a.id,
      assetTag: a.tag,
      serial: a.serial,
      modelId: a.modelId,
      modelName: a.modelName,
      category: a.category,
      warrantyEnd: a.warrantyEnd,
      assignedAt: null,
      openReport: report ? { id: Number(report.id), kind: report.kind as DeviceReportKind } : null,
    };
  });
}

function reportView(r: NonNullable<Awaited<ReturnType<typeof repo.findDeviceReport>>>): DeviceReport {
  return {
    id: Number(r.id),
    assetId: r.asset_tag,
    assetTag: r.asset_tag,
    reporter: r.reporter,
    kind: r.kind as DeviceReportKind,
    description: r.description,
    state: r.state as DeviceReport['state'],
    resolution: r.resolution,
    createdAt: iso(r.created_at)!,
    closedAt: iso(r.closed_at),
  };
}

/** A report on a device the person holds now (anyone else's device is 404, like a device that does not exist). */
export async function reportDevice(deps: RequestsDeps, actor: Actor, assetTag: string, body: DeviceReportBody): Promise<DeviceReport> {
  const asset = await deps.inventory.findAsset({ tag: assetTag });
  if (!asset || asset.status !== 'assigned' || asset.assignedTo?.toLowerCase() !== actor.username.toLowerCase()) throw errors.notFound('This device');
  const open = await repo.openReportsOfAssets(deps.db, [asset.tag]);
  if (open.length) throw errors.invalidTransition('This device already has an open report: the help desk is on it.');
  const now = deps.clock.now();
  const id = await withTransaction(deps.db, async (trx) => {
    const reportId = await repo.insertDeviceReport(trx, {
      asset_tag: asset.tag,
      reporter: actor.username,
      kind: body.kind,
      description: body.description,
      created_at: now,
    });
    await deps.audit.record({ action: `devices.report_${body.kind}`, result: 'success', actor: actor.username, details: { reportId, assetTag: asset.tag } }, trx);
    await notify(trx, now, {
      recipient: actor.username,
      kind: 'device_report',
      params: { reporter: actor.username, reportKind: body.kind, assetTag: asset.tag, description: body.description },
      link: '/devices',
    });
    return reportId;
  });
  return reportView((await repo.findDeviceReport(deps.db, id))!);
}

export async function openDeviceReports(deps: RequestsDeps, limit: number): Promise<DeviceReport[]> {
  return (await repo.listOpenDeviceReports(deps.db, limit)).map(reportView);
}

/** The help desk closes a report; for a return, `checkIn` takes the device back into stock (and off the person). */
export async function closeReport(deps: RequestsDeps, actor: Actor, id: number, body: { checkIn: boolean; note?: string }): Promise<DeviceReport> {
  const report = await repo.findDeviceReport(deps.db, id);
  if (!report) throw errors.notFound('This report');
  if (body.checkIn && report.kind === 'problem') throw errors.validationFailed({ checkIn: 'A problem report is closed without a check-in.' });
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    if (!(await repo.closeDeviceReport(trx, id, body.checkIn ? 'checked_in' : 'closed', actor.username, now))) throw errors.invalidTransition('This report is already closed.');
    if (body.checkIn) {
      const asset = await deps.inventory.checkIn(report.asset_tag, { trx, actor: actor.username, to: 'in_stock', note: `return, report #${id}` });
      // A returned unit is stock again: the oldest backorder of its model gets it.
      await serveBackorders(deps, trx, asset.modelId, actor.username);
    }
    await deps.audit.record(
      { action: 'devices.report_closed', result: 'success', actor: actor.username, subject: report.reporter, details: { reportId: id, checkIn: body.checkIn } },
      trx,
    );
  });
  return reportView((await repo.findDeviceReport(deps.db, id))!);
}
