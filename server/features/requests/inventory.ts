import type { Kysely, Transaction } from 'kysely';
import type { EligibilityRule } from '../../../shared/requests.js';
import type { Database } from '../../db/schema.js';

/**
 * What device requests need from the inventory, in their own terms. The composition root adapts
 * the inventory port (server/inventory/) to it, so requests do not care whether the built-in
 * inventory or Snipe-IT keeps the assets. Calls that take `trx` write in the caller's transaction,
 * so a reservation commits or rolls back with the decision that made it.
 */
export interface CatalogModel {
  id: number;
  category: string;
  manufacturer: string;
  name: string;
  specs: string;
  imageUrl: string | null;
  price: number | null;
  loaner: boolean;
  leadTimeDays: number | null;
  rule: EligibilityRule;
  /** Units in stock and not reserved. */
  inStock: number;
}

export interface InventoryAsset {
  id: number;
  tag: string;
  serial: string | null;
  modelId: number;
  status: 'in_stock' | 'reserved' | 'assigned' | 'in_repair' | 'retired' | 'lost';
  /** Who the asset is reserved for (`request:<id>`), while reserved. */
  reservedFor: string | null;
  assignedTo: string | null;
  warrantyEnd: string | null;
  assignedAt: number | null;
}

type Trx = Kysely<Database> | Transaction<Database>;

export interface RequestsInventory {
  /** Every requestable or visible model with its free stock. */
  catalog(): Promise<CatalogModel[]>;
  model(id: number): Promise<CatalogModel | null>;
  /** Reserves one free unit of a model for `holder`; null when none is free. */
  reserve(modelId: number, holder: string, trx: Trx): Promise<InventoryAsset | null>;
  /** Reserves this asset for `holder` if it is in stock; false otherwise. */
  reserveAsset(assetId: number, holder: string, trx: Trx): Promise<boolean>;
  /** Puts an asset reserved for `holder` back in stock. */
  release(assetId: number, holder: string, trx: Trx): Promise<void>;
  /** An asset by its tag or serial number. */
  findAsset(tagOrSerial: string, trx?: Trx): Promise<InventoryAsset | null>;
  asset(id: number, trx?: Trx): Promise<InventoryAsset | null>;
  /** The loaner units of a model (any status but retired or lost). */
  loanerAssets(modelId: number): Promise<InventoryAsset[]>;
  /** Hands an asset over to a person. */
  assign(assetId: number, username: string, trx: Trx): Promise<void>;
  /** Takes an asset back into stock (a return). */
  checkIn(assetId: number, actor: string, trx: Trx): Promise<void>;
  /** What a person holds, with the model's name and category. */
  assignedTo(username: string): Promise<(InventoryAsset & { modelName: string; category: string })[]>;
}
