import type { Asset, AssetEvent, AssetStatus, Category, ManualStatus, Model, ModelInput } from '../../shared/inventory.js';
import type { SnipeItConfig } from '../config.js';
import { errors } from '../errors.js';
import type { DatabaseLocks } from '../db/locks.js';
import type { Logger } from '../platform/logger.js';
import { isRefusal, SnipeItClient, type SnipeItPage } from './snipeit-client.js';
import type { AssetQuery, Inventory, ModelQuery } from './port.js';

/**
 * The inventory kept in Snipe-IT, through its REST API v1, so a company that already keeps its
 * assets there uses the portal for requests and approvals. What Snipe-IT has no field for stays
 * at its neutral value: a model's price, eligibility and lead time (null / everyone), and its
 * `specs` are the model's notes.
 *
 * Limits, said plainly: Snipe-IT cannot join the portal's database transaction, so its writes
 * happen at once (a request that fails afterwards must release its reservation itself). A
 * reservation is a status label (SNIPEIT_RESERVED_STATUS_ID) plus a marker line in the asset's
 * notes naming the holder. Reserving and releasing read and then write a model's units over HTTP,
 * so they are serialised per model: in this process by a queue, across processes by a named lock
 * in the portal's database (`locks`), so several portal processes never hand out one unit twice.
 */

type Row = Record<string, any>;
const MARKER = /^\[IT portal: reserved for ([^\]]+)\]\n?/;

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

function monthsBetween(from: string, to: string): number | null {
  const a = new Date(`${from}T00:00:00Z`);
  const b = new Date(`${to}T00:00:00Z`);
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  return months > 0 ? months : null;
}

/** How long a process may hold a model's lock (a few Snipe-IT calls), and wait for it. */
const MODEL_LOCK = { ttlMs: 30_000, waitMs: 15_000 };

export function createSnipeItInventory(config: SnipeItConfig, deps: { logger: Logger; locks: DatabaseLocks }): Inventory {
  const client = new SnipeItClient(config);
  const ids = config.statusIds;
  const locks = new Map<string, Promise<unknown>>();

  /**
   * Runs `work` after every earlier call with the same key (one per model) in this process, and
   * holding the key's lock across processes: no two reservers of one model anywhere at once.
   */
  function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const locked = () =>
      deps.locks.withLock(`snipeit:${key}`, work, {
        ...MODEL_LOCK,
        onTimeout: () => errors.inventoryUnavailable(new Error(`lock ${key} busy`)),
      });
    const run = previous.then(locked, locked);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return run;
  }

  function statusOf(row: Row): AssetStatus {
    if (row.assigned_to) return 'assigned';
    const id = Number(row.status_label?.id);
    if (id === ids.reserved) return 'reserved';
    if (id === ids.inStock) return 'in_stock';
    if (id === ids.inRepair) return 'in_repair';
    if (id === ids.retired) return 'retired';
    if (id === ids.lost) return 'lost';
    const meta = row.status_label?.status_type ?? row.status_label?.status_meta;
    return meta === 'deployable' ? 'in_stock' : meta === 'archived' ? 'retired' : 'in_repair';
  }

  function statusFromId(id: unknown): AssetStatus | null {
    const n = Number(id);
    if (n === ids.reserved) return 'reserved';
    if (n === ids.inStock) return 'in_stock';
    if (n === ids.inRepair) return 'in_repair';
    if (n === ids.retired) return 'retired';
    if (n === ids.lost) return 'lost';
    return null;
  }

  function labelFor(status: ManualStatus): number {
    const id = { in_stock: ids.inStock, in_repair: ids.inRepair, retired: ids.retired, lost: ids.lost }[status];
    if (!id) throw errors.badRequest(`No Snipe-IT status label is configured for "${status}" (SNIPEIT_*_STATUS_ID).`);
    return id;
  }

  function toAsset(row: Row): Asset {
    const notes: string = row.notes ?? '';
    const marker = notes.match(MARKER);
    const status = statusOf(row);
    return {
      id: String(row.id),
      tag: row.asset_tag,
      serial: row.serial || null,
      modelId: String(row.model?.id),
      modelName: row.model?.name ?? '',
      category: slug(row.category?.name ?? ''),
      status,
      location: row.location?.name ?? row.rtd_location?.name ?? null,
      assignedTo: row.assigned_to?.type === 'user' || row.assigned_to?.username ? (row.assigned_to.username ?? null) : null,
      reservedFor: status === 'reserved' && marker ? marker[1]! : null,
      purchaseDate: row.purchase_date?.date ?? null,
      warrantyEnd: row.warranty_expires?.date ?? null,
      notes: notes.replace(MARKER, ''),
      updatedAt: new Date(row.updated_at?.datetime ?? Date.now()).toISOString(),
    };
  }

  async function inStockOf(modelId: string): Promise<number> {
    return (await client.get<SnipeItPage<Row>>('/hardware', { model_id: modelId, status: 'RTD', limit: 1 })).total;
  }

  async function toModel(row: Row): Promise<Model> {
    return {
      id: String(row.id),
      category: slug(row.category?.name ?? ''),
      manufacturer: row.manufacturer?.name ?? '',
      name: row.name,
      specs: row.notes ?? '',
      imageUrl: typeof row.image === 'string' && row.image.startsWith('https://') ? row.image : null,
      priceCents: null,
      requestable: row.requestable !== false,
      eligibleRoles: [],
      eligibleDepartments: [],
      leadTimeDays: null,
      inStock: await inStockOf(String(row.id)),
      updatedAt: new Date(row.updated_at?.datetime ?? Date.now()).toISOString(),
    };
  }

  async function assetByTag(tag: string): Promise<Row | null> {
    try {
      return await client.get<Row>(`/hardware/bytag/${encodeURIComponent(tag)}`);
    } catch (error) {
      if (isRefusal(error)) return null;
      throw error;
    }
  }

  async function assetOrThrow(tag: string): Promise<Row> {
    const row = await assetByTag(tag);
    if (!row) throw errors.notFound('This asset');
    return row;
  }

  /** A write Snipe-IT may refuse: its field messages become ours, anything else a conflict. */
  async function write<T>(method: string, path: string, body: unknown, fieldNames: Record<string, string> = {}): Promise<T> {
    try {
      return (await client.request<{ payload: T }>(method, path, { body })).payload;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const fields: Record<string, string> = {};
      for (const [key, message] of Object.entries(error.fields)) if (fieldNames[key]) fields[fieldNames[key]!] = message;
      if (Object.keys(fields).length) throw errors.validationFailed(fields);
      deps.logger.warn({ path, refusal: error.message }, 'Snipe-IT refused a change');
      throw errors.inventoryConflict(`Snipe-IT refused this: ${error.message}`);
    }
  }

  async function idByName(path: '/manufacturers' | '/locations', name: string): Promise<number> {
    const found = (await client.get<SnipeItPage<Row>>(path, { search: name, limit: 50 })).rows.find(
      (r) => String(r.name).toLowerCase() === name.toLowerCase(),
    );
    if (found) return Number(found.id);
    return Number((await write<Row>('POST', path, { name })).id);
  }

  async function categoryId(slugName: string): Promise<number> {
    const found = (await client.all<Row>('/categories')).find((c) => slug(c.name) === slugName);
    if (!found) throw errors.validationFailed({ category: 'There is no such category.' });
    return Number(found.id);
  }

  async function modelBody(input: ModelInput) {
    return {
      name: input.name,
      category_id: await categoryId(input.category),
      manufacturer_id: await idByName('/manufacturers', input.manufacturer),
      notes: input.specs,
      requestable: input.requestable,
    };
  }

  async function userId(username: string): Promise<number> {
    const found = (await client.get<SnipeItPage<Row>>('/users', { username, limit: 2 })).rows.find(
      (u) => String(u.username).toLowerCase() === username.toLowerCase(),
    );
    if (!found) throw errors.notFound('That person in Snipe-IT');
    return Number(found.id);
  }

  const inventory: Inventory = {
    kind: 'snipeit',

    async listCategories(): Promise<Category[]> {
      return (await client.all<Row>('/categories')).map((c) => ({ slug: slug(c.name), name: c.name }));
    },

    async listModels(query: ModelQuery) {
      // Snipe-IT filters models by text only; the rest is filtered here (catalogues are small).
      let rows = await client.all<Row>('/models', { search: query.query });
      if (query.category) rows = rows.filter((r) => slug(r.category?.name ?? '') === query.category);
      if (query.requestable !== undefined) rows = rows.filter((r) => (r.requestable !== false) === query.requestable);
      if (query.ids) rows = rows.filter((r) => query.ids!.includes(String(r.id)));
      rows.sort(
        (a, b) => slug(a.category?.name ?? '').localeCompare(slug(b.category?.name ?? '')) || String(a.name).localeCompare(String(b.name)),
      );
      const offset = query.offset ?? 0;
      const items = await Promise.all(rows.slice(offset, offset + (query.limit ?? 25)).map(toModel));
      return { total: rows.length, items };
    },

    async getModel(id) {
      try {
        return await toModel(await client.get<Row>(`/models/${encodeURIComponent(id)}`));
      } catch (error) {
        if (isRefusal(error)) return null;
        throw error;
      }
    },

    async createModel(input) {
      return toModel(await write<Row>('POST', '/models', await modelBody(input), { name: 'name', category_id: 'category' }));
    },

    async updateModel(id, input) {
      if (!(await inventory.getModel(id))) throw errors.notFound('This model');
      return toModel(await write<Row>('PATCH', `/models/${id}`, await modelBody(input), { name: 'name', category_id: 'category' }));
    },

    async findAsset(key) {
      if ('tag' in key) {
        const row = await assetByTag(key.tag.trim());
        return row ? toAsset(row) : null;
      }
      const page = await client.get<SnipeItPage<Row>>(`/hardware/byserial/${encodeURIComponent(key.serial.trim())}`);
      return page.rows[0] ? toAsset(page.rows[0]) : null;
    },

    async listAssets(query: AssetQuery) {
      const statusQuery: Record<string, string | number | undefined> = {};
      let local: ((a: Asset) => boolean) | null = null;
      if (query.status === 'assigned') statusQuery.status = 'Deployed';
      else if (query.status === 'in_stock') statusQuery.status = 'RTD';
      else if (query.status) local = (a) => a.status === query.status;
      if (query.assignedTo) statusQuery.assigned_to = await userId(query.assignedTo).catch(() => -1);
      const base = {
        search: query.query,
        model_id: query.modelId,
        ...(query.category ? { category_id: await categoryId(query.category).catch(() => -1) } : {}),
        ...statusQuery,
        ...(query.assignedTo ? { assigned_type: 'user' } : {}),
        sort: 'asset_tag',
        order: 'asc',
      };
      if (local) {
        const all = (await client.all<Row>('/hardware', base)).map(toAsset).filter(local);
        const offset = query.offset ?? 0;
        return { total: all.length, items: all.slice(offset, offset + (query.limit ?? 25)) };
      }
      const page = await client.get<SnipeItPage<Row>>('/hardware', { ...base, limit: query.limit ?? 25, offset: query.offset ?? 0 });
      return { total: page.total, items: page.rows.map(toAsset) };
    },

    async createAsset(input) {
      const fields: Record<string, string> = {};
      if (await assetByTag(input.tag)) fields.tag = 'This asset tag is already in use.';
      // Snipe-IT enforces unique serials only when its setting says so: the portal always does.
      if (input.serial) {
        const holder = (await client.get<SnipeItPage<Row>>(`/hardware/byserial/${encodeURIComponent(input.serial)}`)).rows[0];
        if (holder) fields.serial = `This serial number is already recorded (asset ${holder.asset_tag}).`;
      }
      if (Object.keys(fields).length) throw errors.validationFailed(fields);
      if (!(await inventory.getModel(input.modelId))) throw errors.validationFailed({ modelId: 'There is no such model.' });
      const created = await write<Row>(
        'POST',
        '/hardware',
        {
          asset_tag: input.tag,
          serial: input.serial,
          model_id: Number(input.modelId),
          status_id: labelFor(input.status),
          notes: input.notes,
          purchase_date: input.purchaseDate,
          warranty_months: input.purchaseDate && input.warrantyEnd ? monthsBetween(input.purchaseDate, input.warrantyEnd) : null,
          ...(input.location ? { rtd_location_id: await idByName('/locations', input.location) } : {}),
        },
        { asset_tag: 'tag', serial: 'serial', model_id: 'modelId' },
      );
      return toAsset(created);
    },

    async updateAsset(tag, update) {
      const row = await assetOrThrow(tag);
      const asset = toAsset(row);
      if (update.modelId !== undefined && update.modelId !== asset.modelId) {
        if (asset.status === 'reserved' || asset.status === 'assigned') {
          throw errors.inventoryConflict('A reserved or assigned asset keeps its model. Release or check it in first.');
        }
        if (!(await inventory.getModel(update.modelId))) throw errors.validationFailed({ modelId: 'There is no such model.' });
      }
      const marker = (row.notes ?? '').match(MARKER)?.[0] ?? '';
      const purchase = update.purchaseDate !== undefined ? update.purchaseDate : asset.purchaseDate;
      const warranty = update.warrantyEnd !== undefined ? update.warrantyEnd : asset.warrantyEnd;
      await write(
        'PATCH',
        `/hardware/${row.id}`,
        {
          ...(update.serial !== undefined ? { serial: update.serial } : {}),
          ...(update.modelId !== undefined ? { model_id: Number(update.modelId) } : {}),
          ...(update.notes !== undefined ? { notes: marker + update.notes } : {}),
          ...(update.location
            ? { rtd_location_id: await idByName('/locations', update.location) }
            : update.location === null
              ? { rtd_location_id: null }
              : {}),
          ...(update.purchaseDate !== undefined ? { purchase_date: update.purchaseDate } : {}),
          ...(update.purchaseDate !== undefined || update.warrantyEnd !== undefined
            ? { warranty_months: purchase && warranty ? monthsBetween(purchase, warranty) : null }
            : {}),
        },
        { serial: 'serial', model_id: 'modelId' },
      );
      return toAsset(await assetOrThrow(tag));
    },

    async setStatus(tag, status) {
      const row = await assetOrThrow(tag);
      const current = statusOf(row);
      if (current === 'reserved') throw errors.inventoryConflict('This asset is reserved for a request. Release it first.');
      if (current === 'assigned') throw errors.inventoryConflict('This asset is assigned to someone. Check it in first.');
      if (current !== status) await write('PATCH', `/hardware/${row.id}`, { status_id: labelFor(status) });
      return toAsset(await assetOrThrow(tag));
    },

    reserve(modelId, holder, options) {
      return serialised(`model:${modelId}`, async () => {
        let row: Row | undefined;
        if (options?.tag !== undefined) {
          // That unit only: read inside the model's queue, so a rival reservation is seen.
          row = (await assetByTag(options.tag.trim())) ?? undefined;
          if (row && (String(row.model?.id) !== modelId || statusOf(row) !== 'in_stock')) row = undefined;
        } else {
          const page = await client.get<SnipeItPage<Row>>('/hardware', {
            model_id: modelId,
            status: 'RTD',
            sort: 'id',
            order: 'asc',
            limit: 1,
          });
          row = page.rows[0];
        }
        if (!row) return null;
        await write('PATCH', `/hardware/${row.id}`, {
          status_id: ids.reserved,
          notes: `[IT portal: reserved for ${holder}]\n${(row.notes ?? '').replace(MARKER, '')}`,
        });
        return toAsset(await assetOrThrow(row.asset_tag));
      });
    },

    async release(tag, options) {
      const first = await assetOrThrow(tag);
      return serialised(`model:${first.model?.id}`, async () => {
        const row = await assetOrThrow(tag);
        const asset = toAsset(row);
        if (asset.status !== 'reserved') return false;
        if (options?.holder !== undefined && asset.reservedFor !== options.holder)
          throw errors.inventoryConflict('This asset is reserved for another request.');
        await write('PATCH', `/hardware/${row.id}`, { status_id: ids.inStock, notes: asset.notes });
        return true;
      });
    },

    async assign(tag, username, options) {
      const first = await assetOrThrow(tag);
      return serialised(`model:${first.model?.id}`, async () => {
        const row = await assetOrThrow(tag);
        const asset = toAsset(row);
        if (options?.modelId !== undefined && asset.modelId !== options.modelId) {
          throw errors.inventoryConflict(`Asset ${asset.tag} is a ${asset.modelName}, not the model asked for.`);
        }
        if (asset.status === 'reserved') {
          if (options?.holder === undefined || asset.reservedFor !== options.holder)
            throw errors.inventoryConflict(`Asset ${asset.tag} is reserved for another request.`);
        } else if (asset.status !== 'in_stock') {
          throw errors.inventoryConflict(`Asset ${asset.tag} is not in stock (${asset.status.replace('_', ' ')}).`);
        }
        const user = await userId(username);
        // The reservation marker stays in Snipe-IT's notes (shown only while reserved; the next reservation replaces it):
        // removing it would cost a write and an "update" in the asset's log between reservation and checkout.
        await write('POST', `/hardware/${row.id}/checkout`, {
          checkout_to_type: 'user',
          assigned_user: user,
          status_id: ids.inStock,
          note:
            options?.note ??
            (options?.actor ? `Handed out by ${options.actor} through the IT portal` : 'Checked out through the IT portal'),
        });
        return toAsset(await assetOrThrow(tag));
      });
    },

    async checkIn(tag, options) {
      const row = await assetOrThrow(tag);
      if (statusOf(row) !== 'assigned') throw errors.inventoryConflict(`Asset ${row.asset_tag} is not assigned to anyone.`);
      await write('POST', `/hardware/${row.id}/checkin`, {
        status_id: labelFor(options?.to ?? 'in_stock'),
        note: options?.note ?? 'Checked in through the IT portal',
      });
      return toAsset(await assetOrThrow(tag));
    },

    async assignedTo(username) {
      let user: number;
      try {
        user = await userId(username);
      } catch {
        return [];
      }
      return (await client.all<Row>('/hardware', { assigned_to: user, assigned_type: 'user', sort: 'asset_tag', order: 'asc' })).map(
        toAsset,
      );
    },

    async history(tag) {
      const row = await assetOrThrow(tag);
      const log = await client.all<Row>('/reports/activity', { item_type: 'asset', item_id: row.id, order: 'asc' });
      const events: AssetEvent[] = [];
      let current: AssetStatus | null = null;
      for (const entry of log) {
        const meta = entry.log_meta ?? {};
        const to = meta.status_id ? statusFromId(meta.status_id.new) : null;
        const from = meta.status_id ? statusFromId(meta.status_id.old) : current;
        let kind: AssetEvent['kind'];
        let toStatus: AssetStatus | null;
        switch (entry.action_type) {
          case 'create new':
            kind = 'created';
            toStatus = to ?? 'in_stock';
            break;
          case 'checkout':
            kind = 'assigned';
            toStatus = 'assigned';
            break;
          case 'checkin from':
            kind = 'checked_in';
            toStatus = to ?? 'in_stock';
            break;
          default:
            toStatus = to ?? current;
            kind =
              to === 'reserved' ? 'reserved' : to === 'in_stock' && from === 'reserved' ? 'released' : to ? 'status_changed' : 'updated';
        }
        events.push({
          id: String(entry.id),
          assetTag: row.asset_tag,
          at: new Date(entry.created_at?.datetime ?? Date.now()).toISOString(),
          kind,
          fromStatus: kind === 'created' ? null : (current ?? from),
          toStatus,
          actor: entry.admin?.username ?? entry.created_by?.username ?? null,
          person: entry.target?.type === 'user' ? (entry.target.username ?? entry.target.name ?? null) : null,
          note: entry.note ?? null,
        });
        current = toStatus;
      }
      return events;
    },

    async ping() {
      await client.get('/statuslabels', { limit: 1 });
    },

    async close() {},
  };
  return inventory;
}
