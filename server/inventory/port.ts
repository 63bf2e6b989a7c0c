/**
 * The inventory seam: every feature (catalogue, requests, fulfilment, my devices, the help desk's
 * inventory screens) talks to the asset inventory through this interface only.
 * Implementations: built-in (database tables, server/inventory/builtin.ts) and Snipe-IT
 * (its REST API, server/inventory/snipeit.ts). Both pass tests/inventory/inventory-contract.test.ts.
 *
 * Errors: an unknown asset tag or model is `not_found`; an asset in the wrong state for a move
 * (assigning a retired one, checking in one that is not assigned, …) is `inventory_conflict`; a
 * duplicate tag or serial is `validation_failed` naming the field; an external inventory that
 * cannot be reached is `inventory_unavailable`. All are AppErrors (server/errors.ts).
 *
 * The inventory records each asset's history (every movement, with actor and note). The audit
 * trail is the caller's: a service that calls a write here records its own audit row in the same
 * transaction.
 */
import type {
  Asset,
  AssetEvent,
  AssetFilter,
  AssetInput,
  AssetUpdate,
  Category,
  CheckInTarget,
  ManualStatus,
  Model,
  ModelFilter,
  ModelInput,
  InventoryPage,
} from '../../shared/inventory.js';
import type { Executor } from '../db/transaction.js';

/** Who did a change and why, for the asset history; and the caller's transaction, if any. */
export interface InventoryWriteOptions {
  /**
   * The caller's transaction. The built-in inventory runs its statements in it, so a request's
   * state change and the stock change commit or roll back together. Snipe-IT cannot join a
   * database transaction: its writes happen at once (see each method for what that means).
   */
  trx?: Executor;
  /** Username of the person acting; null or absent for the portal itself (a job, a request flow). */
  actor?: string | null;
  /** A reason kept in the history. */
  note?: string | null;
}

/** Model look-ups a feature may need beyond the help desk's filter (e.g. the catalogue by ids). */
export type ModelQuery = Partial<Omit<ModelFilter, 'limit' | 'offset'>> & {
  /** Only these models. */
  ids?: string[];
  limit?: number;
  offset?: number;
};

export type AssetQuery = Partial<Omit<AssetFilter, 'limit' | 'offset'>> & { limit?: number; offset?: number };

/** An asset found by its tag or its serial number (both unique, compared without regard to case). */
export type AssetKey = { tag: string } | { serial: string };

export interface Inventory {
  readonly kind: 'builtin' | 'snipeit';

  /** The categories models can be in, by name. */
  listCategories(): Promise<Category[]>;

  /**
   * Models with their in-stock count, filtered (text `query` on manufacturer, name and specs;
   * `category`; `requestable`; `ids`), ordered by category then name, paged (default 25).
   * `inStock` counts units with status `in_stock` at the time of the read.
   */
  listModels(query: ModelQuery, options?: { trx?: Executor }): Promise<InventoryPage<Model>>;

  /** One model with its in-stock count; null when there is none with that id. */
  getModel(id: string, options?: { trx?: Executor }): Promise<Model | null>;

  /** Adds a model. Throws `validation_failed` (field `category`) for an unknown category. */
  createModel(input: ModelInput, options?: InventoryWriteOptions): Promise<Model>;

  /** Replaces a model's fields. Throws `not_found` for an unknown id. */
  updateModel(id: string, input: ModelInput, options?: InventoryWriteOptions): Promise<Model>;

  /** An asset by tag or by serial (case-insensitive); null when there is none. */
  findAsset(key: AssetKey, options?: { trx?: Executor }): Promise<Asset | null>;

  /**
   * Assets filtered (text `query` on tag, serial, model name, location and assignee; `status`;
   * `modelId`; `category`; `assignedTo`), ordered by tag, paged (default 25). Stays fast at 100k assets.
   */
  listAssets(query: AssetQuery, options?: { trx?: Executor }): Promise<InventoryPage<Asset>>;

  /**
   * Adds an asset (history: `created`). Throws `validation_failed` naming `tag` or `serial` when
   * either is already used (by any asset, retired ones included), or `modelId` when the model is unknown.
   */
  createAsset(input: AssetInput, options?: InventoryWriteOptions): Promise<Asset>;

  /**
   * Changes an asset's details (serial, model, location, dates, notes; history: `updated`). The
   * model of a reserved or assigned asset cannot change (`inventory_conflict`): a request holds it
   * for that model. Throws `not_found` for an unknown tag.
   */
  updateAsset(tag: string, update: AssetUpdate, options?: InventoryWriteOptions): Promise<Asset>;

  /**
   * Sets a status by hand (in stock, in repair, retired, lost) with a note (history:
   * `status_changed`). Refused with `inventory_conflict` while the asset is reserved or assigned:
   * release it or check it in first, so no request or person silently loses their device.
   */
  setStatus(tag: string, status: ManualStatus, options: InventoryWriteOptions & { note: string }): Promise<Asset>;

  /**
   * Takes one unit of a model out of stock for `holder` (e.g. `request:42`) and returns it, or
   * null when none is in stock. Atomic: when two callers race for the last unit, exactly one gets
   * it and stock never goes negative; a unit is never handed to two holders. Built-in: one
   * conditional UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL), inside `trx` when
   * given, so a rolled-back request also undoes its reservation. Snipe-IT: serialised per model
   * within this process (not across processes), the unit is marked with the reserved status label.
   * With `tag`: that unit and no other (the help desk hands over the one in their hand), null when
   * it is not an in-stock unit of the model; the same atomicity holds.
   */
  reserve(modelId: string, holder: string, options?: InventoryWriteOptions & { tag?: string }): Promise<Asset | null>;

  /**
   * Puts a reserved asset back in stock (history: `released`). When `holder` is given the asset
   * must be reserved for that holder. Idempotent: returns false (and changes nothing) when the
   * asset is not reserved (already released, or handed out); true when it released it.
   * Throws `not_found` for an unknown tag, `inventory_conflict` when reserved for another holder.
   */
  release(tag: string, options?: InventoryWriteOptions & { holder?: string }): Promise<boolean>;

  /**
   * Checks an asset out to a person (history: `assigned`). The asset must be in stock, or reserved
   * (for `holder`, when given); when `modelId` is given it must be of that model. Otherwise
   * `inventory_conflict` and nothing changes; `not_found` for an unknown tag. Atomic like `reserve`:
   * two callers assigning the same asset → one wins, the other gets `inventory_conflict`.
   */
  assign(tag: string, username: string, options?: InventoryWriteOptions & { modelId?: string; holder?: string }): Promise<Asset>;

  /**
   * Takes an assigned asset back (history: `checked_in`), to stock or to repair; the assignee is
   * cleared. `inventory_conflict` when it is not assigned; `not_found` for an unknown tag.
   */
  checkIn(tag: string, options?: InventoryWriteOptions & { to?: CheckInTarget }): Promise<Asset>;

  /** What is assigned to a person (their devices, with warranty end), ordered by tag. */
  assignedTo(username: string, options?: { trx?: Executor }): Promise<Asset[]>;

  /** An asset's history, oldest first. Throws `not_found` for an unknown tag. */
  history(tag: string, options?: { trx?: Executor }): Promise<AssetEvent[]>;

  /** Throws `inventory_unavailable` when the inventory cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
