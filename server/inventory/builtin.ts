import type {
  Asset,
  AssetEvent,
  AssetInput,
  AssetStatus,
  AssetUpdate,
  CheckInTarget,
  ManualStatus,
  Model,
  ModelInput,
} from '../../shared/inventory.js';
import type { Executor } from '../db/transaction.js';
import { withTransaction } from '../db/transaction.js';
import { errors } from '../errors.js';
import type { Clock } from '../platform/clock.js';
import * as repo from './builtin-repository.js';
import type { AssetKey, AssetQuery, Inventory, InventoryWriteOptions, ModelQuery } from './port.js';

/**
 * The built-in inventory: models and assets in the portal's own database. Every write runs in
 * the caller's transaction when one is given (so a request's change and the stock change commit
 * together), else in its own; each movement appends a history row in the same transaction.
 */
export function createBuiltinInventory(db: Executor, deps: { clock: Clock }): Inventory {
  const now = () => deps.clock.now();
  const exec = (options?: { trx?: Executor }) => options?.trx ?? db;

  async function assetOrThrow(trx: Executor, tag: string): Promise<repo.AssetRow> {
    const row = await repo.findAssetBy(trx, { tag });
    if (!row) throw errors.notFound('This asset');
    return row;
  }

  async function record(
    trx: Executor,
    asset: repo.AssetRow,
    kind: AssetEvent['kind'],
    to: AssetStatus | null,
    options: InventoryWriteOptions | undefined,
    person: string | null = null,
  ): Promise<void> {
    await repo.insertAssetEvent(trx, {
      asset_id: asset.id,
      at: now(),
      kind,
      from_status: kind === 'created' ? null : asset.status,
      to_status: to,
      actor: options?.actor ?? null,
      person,
      note: options?.note ?? null,
    });
  }

  async function reread(trx: Executor, id: number): Promise<Asset> {
    return toAsset((await repo.findAssetBy(trx, { id }))!);
  }

  /** A duplicate tag or serial is a field error the help desk can fix, not a crash. */
  async function checkUnique(trx: Executor, input: { tag?: string; serial?: string | null }, self?: number) {
    const fields: Record<string, string> = {};
    if (input.tag !== undefined) {
      const other = await repo.findAssetBy(trx, { tag: input.tag });
      if (other && other.id !== self) fields.tag = 'This asset tag is already in use.';
    }
    if (input.serial) {
      const other = await repo.findAssetBy(trx, { serial: input.serial });
      if (other && other.id !== self) fields.serial = `This serial number is already recorded (asset ${other.tag}).`;
    }
    if (Object.keys(fields).length) throw errors.validationFailed(fields);
  }

  async function checkModel(trx: Executor, modelId: string): Promise<void> {
    if (!(await repo.findModel(trx, Number(modelId)))) throw errors.validationFailed({ modelId: 'There is no such model.' });
  }

  function modelValues(input: ModelInput, at: number): repo.ModelValues {
    return {
      category: input.category,
      manufacturer: input.manufacturer,
      name: input.name,
      specs: input.specs,
      image_url: input.imageUrl,
      price_cents: input.priceCents,
      requestable: input.requestable ? 1 : 0,
      eligible_roles: JSON.stringify(input.eligibleRoles),
      eligible_departments: JSON.stringify(input.eligibleDepartments),
      lead_time_days: input.leadTimeDays,
      updated_at: at,
    };
  }

  /** Moves an asset if nobody moved it since it was read; `inventory_conflict` otherwise. */
  async function move(trx: Executor, asset: repo.AssetRow, values: Partial<repo.AssetValues>): Promise<void> {
    const moved = await repo.updateAssetIf(trx, asset.id, asset, { ...values, updated_at: now() });
    if (!moved) throw errors.inventoryConflict('Someone else changed this asset just now. Reload it and try again.');
  }

  return {
    kind: 'builtin',

    async listCategories() {
      return repo.listCategories(db);
    },

    async listModels(query: ModelQuery, options) {
      const { rows, total } = await repo.findModels(
        exec(options),
        { query: query.query, category: query.category, requestable: query.requestable, ids: query.ids?.map(Number) },
        query.limit ?? 25,
        query.offset ?? 0,
      );
      return { total, items: rows.map(toModel) };
    },

    async getModel(id, options) {
      const row = await repo.findModel(exec(options), Number(id));
      return row ? toModel(row) : null;
    },

    async createModel(input, options) {
      return withTransaction(exec(options), async (trx) => {
        if (!(await repo.categoryExists(trx, input.category))) throw errors.validationFailed({ category: 'There is no such category.' });
        const at = now();
        const id = await repo.insertModel(trx, { ...modelValues(input, at), created_at: at });
        return toModel((await repo.findModel(trx, id))!);
      });
    },

    async updateModel(id, input, options) {
      return withTransaction(exec(options), async (trx) => {
        if (!(await repo.categoryExists(trx, input.category))) throw errors.validationFailed({ category: 'There is no such category.' });
        if (!(await repo.updateModel(trx, Number(id), modelValues(input, now())))) throw errors.notFound('This model');
        return toModel((await repo.findModel(trx, Number(id)))!);
      });
    },

    async findAsset(key: AssetKey, options) {
      const row = await repo.findAssetBy(exec(options), key);
      return row ? toAsset(row) : null;
    },

    async listAssets(query: AssetQuery, options) {
      const { rows, total } = await repo.findAssets(
        exec(options),
        {
          query: query.query,
          status: query.status,
          modelId: query.modelId === undefined ? undefined : Number(query.modelId),
          category: query.category,
          assignedTo: query.assignedTo,
        },
        query.limit ?? 25,
        query.offset ?? 0,
      );
      return { total, items: rows.map(toAsset) };
    },

    async createAsset(input: AssetInput, options) {
      return withTransaction(exec(options), async (trx) => {
        await checkModel(trx, input.modelId);
        await checkUnique(trx, { tag: input.tag, serial: input.serial });
        const at = now();
        const id = await repo.insertAsset(trx, {
          tag: input.tag,
          tag_lower: input.tag.toLowerCase(),
          serial: input.serial,
          serial_lower: input.serial?.toLowerCase() ?? null,
          model_id: Number(input.modelId),
          status: input.status,
          location: input.location,
          assigned_to: null,
          reserved_for: null,
          purchase_date: input.purchaseDate,
          warranty_end: input.warrantyEnd,
          notes: input.notes,
          created_at: at,
          updated_at: at,
        });
        const row = (await repo.findAssetBy(trx, { id }))!;
        await record(trx, row, 'created', row.status as AssetStatus, options);
        return toAsset(row);
      });
    },

    async updateAsset(tag: string, update: AssetUpdate, options) {
      return withTransaction(exec(options), async (trx) => {
        const asset = await assetOrThrow(trx, tag);
        if (update.modelId !== undefined && update.modelId !== String(asset.model_id)) {
          if (asset.status === 'reserved' || asset.status === 'assigned') {
            throw errors.inventoryConflict('A reserved or assigned asset keeps its model. Release or check it in first.');
          }
          await checkModel(trx, update.modelId);
        }
        if (update.serial) await checkUnique(trx, { serial: update.serial }, asset.id);
        await move(trx, asset, {
          ...(update.serial !== undefined ? { serial: update.serial, serial_lower: update.serial?.toLowerCase() ?? null } : {}),
          ...(update.modelId !== undefined ? { model_id: Number(update.modelId) } : {}),
          ...(update.location !== undefined ? { location: update.location } : {}),
          ...(update.purchaseDate !== undefined ? { purchase_date: update.purchaseDate } : {}),
          ...(update.warrantyEnd !== undefined ? { warranty_end: update.warrantyEnd } : {}),
          ...(update.notes !== undefined ? { notes: update.notes } : {}),
        });
        await record(trx, asset, 'updated', asset.status as AssetStatus, options);
        return reread(trx, asset.id);
      });
    },

    async setStatus(tag: string, status: ManualStatus, options) {
      return withTransaction(exec(options), async (trx) => {
        const asset = await assetOrThrow(trx, tag);
        if (asset.status === 'reserved') throw errors.inventoryConflict('This asset is reserved for a request. Release it first.');
        if (asset.status === 'assigned') throw errors.inventoryConflict('This asset is assigned to someone. Check it in first.');
        if (asset.status === status) return toAsset(asset);
        await move(trx, asset, { status });
        await record(trx, asset, 'status_changed', status, options);
        return reread(trx, asset.id);
      });
    },

    async reserve(modelId: string, holder: string, options) {
      return withTransaction(exec(options), async (trx) => {
        if (options?.tag !== undefined) {
          const asset = await repo.findAssetBy(trx, { tag: options.tag });
          if (!asset || String(asset.model_id) !== modelId || asset.status !== 'in_stock') return null;
          // Compare-and-set on the row: a rival that took it first makes this a miss, not a second holder.
          if (!(await repo.updateAssetIf(trx, asset.id, asset, { status: 'reserved', reserved_for: holder, updated_at: now() })))
            return null;
          await record(trx, asset, 'reserved', 'reserved', options, holder);
          return reread(trx, asset.id);
        }
        const id = await repo.reserveUnit(trx, Number(modelId), holder, now());
        if (id === undefined) return null;
        const row = (await repo.findAssetBy(trx, { id }))!;
        await record(trx, { ...row, status: 'in_stock' }, 'reserved', 'reserved', options, holder);
        return toAsset(row);
      });
    },

    async release(tag: string, options) {
      return withTransaction(exec(options), async (trx) => {
        const asset = await assetOrThrow(trx, tag);
        if (asset.status !== 'reserved') return false;
        if (options?.holder !== undefined && asset.reserved_for !== options.holder) {
          throw errors.inventoryConflict('This asset is reserved for another request.');
        }
        await move(trx, asset, { status: 'in_stock', reserved_for: null });
        await record(trx, asset, 'released', 'in_stock', options, asset.reserved_for);
        return true;
      });
    },

    async assign(tag: string, username: string, options) {
      return withTransaction(exec(options), async (trx) => {
        const asset = await assetOrThrow(trx, tag);
        if (options?.modelId !== undefined && String(asset.model_id) !== options.modelId) {
          throw errors.inventoryConflict(`Asset ${asset.tag} is a ${asset.model_name}, not the model asked for.`);
        }
        if (asset.status === 'reserved') {
          if (options?.holder === undefined || asset.reserved_for !== options.holder) {
            throw errors.inventoryConflict(`Asset ${asset.tag} is reserved for another request.`);
          }
        } else if (asset.status !== 'in_stock') {
          throw errors.inventoryConflict(`Asset ${asset.tag} is not in stock (${asset.status.replace('_', ' ')}).`);
        }
        await move(trx, asset, { status: 'assigned', assigned_to: username, reserved_for: null });
        await record(trx, asset, 'assigned', 'assigned', options, username);
        return reread(trx, asset.id);
      });
    },

    async checkIn(tag: string, options) {
      return withTransaction(exec(options), async (trx) => {
        const asset = await assetOrThrow(trx, tag);
        if (asset.status !== 'assigned') throw errors.inventoryConflict(`Asset ${asset.tag} is not assigned to anyone.`);
        const to: CheckInTarget = options?.to ?? 'in_stock';
        await move(trx, asset, { status: to, assigned_to: null });
        await record(trx, asset, 'checked_in', to, options, asset.assigned_to);
        return reread(trx, asset.id);
      });
    },

    async assignedTo(username: string, options) {
      return (await repo.assetsAssignedTo(exec(options), username)).map(toAsset);
    },

    async history(tag: string, options) {
      const asset = await assetOrThrow(exec(options), tag);
      return (await repo.assetEvents(exec(options), asset.id)).map(toEvent);
    },

    async ping() {
      await repo.listCategories(db);
    },

    async close() {
      // The database belongs to the composition root, which closes it.
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function toModel(row: repo.ModelRow): Model {
  return {
    id: String(row.id),
    category: row.category,
    manufacturer: row.manufacturer,
    name: row.name,
    specs: row.specs,
    imageUrl: row.image_url,
    priceCents: row.price_cents === null ? null : Number(row.price_cents),
    requestable: row.requestable === 1,
    eligibleRoles: JSON.parse(row.eligible_roles) as string[],
    eligibleDepartments: JSON.parse(row.eligible_departments) as string[],
    leadTimeDays: row.lead_time_days,
    inStock: row.in_stock,
    updatedAt: iso(row.updated_at),
  };
}

function toAsset(row: repo.AssetRow): Asset {
  return {
    id: String(row.id),
    tag: row.tag,
    serial: row.serial,
    modelId: String(row.model_id),
    modelName: row.model_name,
    category: row.category,
    status: row.status as AssetStatus,
    location: row.location,
    assignedTo: row.assigned_to,
    reservedFor: row.reserved_for,
    purchaseDate: row.purchase_date,
    warrantyEnd: row.warranty_end,
    notes: row.notes,
    updatedAt: iso(row.updated_at),
  };
}

function toEvent(row: repo.AssetEventRow): AssetEvent {
  return {
    id: String(row.id),
    assetTag: row.tag,
    at: iso(row.at),
    kind: row.kind as AssetEvent['kind'],
    fromStatus: row.from_status as AssetStatus | null,
    toStatus: row.to_status as AssetStatus | null,
    actor: row.actor,
    person: row.person,
    note: row.note,
  };
}
