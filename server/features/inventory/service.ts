import type {
  Asset,
  AssetEvent,
  AssetFilter,
  AssetInput,
  AssetStatusChange,
  AssetUpdate,
  InventoryPage,
  Model,
  ModelFilter,
  ModelInput,
} from '../../../shared/inventory.js';
import type { AuditTrail } from '../../audit/audit.js';
import { type Executor, withTransaction } from '../../db/transaction.js';
import { errors } from '../../errors.js';
import type { Inventory } from '../../inventory/port.js';

/**
 * The help desk's inventory: models and assets, by hand or by CSV. Every change is audited in
 * the same transaction as the change itself (the built-in inventory joins it; Snipe-IT's writes
 * happen at once, and the audit row follows).
 */
export interface InventoryDeps {
  db: Executor;
  inventory: Inventory;
  audit: AuditTrail;
  /**
   * Units of a model came into stock in `trx` (added, or set back in stock): waiting requests may
   * take them in the same transaction (device requests' backorders). Absent: nothing waits.
   */
  stockArrived?: (trx: Executor, modelId: string, actor: string) => Promise<void>;
}

export function listModels(deps: InventoryDeps, filter: ModelFilter): Promise<InventoryPage<Model>> {
  return deps.inventory.listModels(filter);
}

export async function getModel(deps: InventoryDeps, id: string): Promise<Model> {
  const model = await deps.inventory.getModel(id);
  if (!model) throw errors.notFound('This model');
  return model;
}

export function createModel(deps: InventoryDeps, input: ModelInput, actor: string): Promise<Model> {
  return withTransaction(deps.db, async (trx) => {
    const model = await deps.inventory.createModel(input, { trx, actor });
    await deps.audit.record(
      { action: 'inventory.model_created', actor, result: 'success', details: { modelId: model.id, name: model.name, category: model.category } },
      trx,
    );
    return model;
  });
}

export function updateModel(deps: InventoryDeps, id: string, input: ModelInput, actor: string): Promise<Model> {
  return withTransaction(deps.db, async (trx) => {
    const model = await deps.inventory.updateModel(id, input, { trx, actor });
    await deps.audit.record({ action: 'inventory.model_updated', actor, result: 'success', details: { modelId: id, name: model.name } }, trx);
    return model;
  });
}

export function listAssets(deps: InventoryDeps, filter: AssetFilter): Promise<InventoryPage<Asset>> {
  return deps.inventory.listAssets(filter);
}

/** An asset with its history, for the asset page. */
export async function getAsset(deps: InventoryDeps, tag: string): Promise<{ asset: Asset; history: AssetEvent[] }> {
  const asset = await deps.inventory.findAsset({ tag });
  if (!asset) throw errors.notFound('This asset');
  return { asset, history: await deps.inventory.history(asset.tag) };
}

export function assetHistory(deps: InventoryDeps, tag: string): Promise<AssetEvent[]> {
  return deps.inventory.history(tag);
}

export function createAsset(deps: InventoryDeps, input: AssetInput, actor: string): Promise<Asset> {
  return withTransaction(deps.db, async (trx) => {
    const asset = await deps.inventory.createAsset(input, { trx, actor });
    await deps.audit.record(
      { action: 'inventory.asset_created', actor, result: 'success', details: { tag: asset.tag, modelId: asset.modelId, status: asset.status } },
      trx,
    );
    if (asset.status === 'in_stock') await deps.stockArrived?.(trx, asset.modelId, actor);
    // Read again: a waiting request may have reserved it just now.
    return asset.status === 'in_stock' ? ((await deps.inventory.findAsset({ tag: asset.tag }, { trx })) ?? asset) : asset;
  });
}

export function updateAsset(deps: InventoryDeps, tag: string, update: AssetUpdate, actor: string): Promise<Asset> {
  return withTransaction(deps.db, async (trx) => {
    const before = await deps.inventory.findAsset({ tag }, { trx });
    const asset = await deps.inventory.updateAsset(tag, update, { trx, actor });
    await deps.audit.record(
      { action: 'inventory.asset_updated', actor, result: 'success', details: { tag: asset.tag, fields: Object.keys(update) } },
      trx,
    );
    // An in-stock unit moved to another model is new stock of that model.
    if (asset.status === 'in_stock' && before && before.modelId !== asset.modelId && deps.stockArrived) {
      await deps.stockArrived(trx, asset.modelId, actor);
      return (await deps.inventory.findAsset({ tag: asset.tag }, { trx })) ?? asset;
    }
    return asset;
  });
}

export function changeAssetStatus(deps: InventoryDeps, tag: string, change: AssetStatusChange, actor: string): Promise<Asset> {
  return withTransaction(deps.db, async (trx) => {
    const before = await deps.inventory.findAsset({ tag }, { trx });
    if (!before) throw errors.notFound('This asset');
    const asset = await deps.inventory.setStatus(tag, change.status, { trx, actor, note: change.note });
    await deps.audit.record(
      {
        action: 'inventory.asset_status_changed',
        actor,
        result: 'success',
        details: { tag: asset.tag, from: before.status, to: asset.status, note: change.note },
      },
      trx,
    );
    if (asset.status === 'in_stock' && before.status !== 'in_stock' && deps.stockArrived) {
      await deps.stockArrived(trx, asset.modelId, actor);
      return (await deps.inventory.findAsset({ tag: asset.tag }, { trx })) ?? asset;
    }
    return asset;
  });
}
