import type { ModelInput } from '../../shared/inventory.js';
import { type Executor, withTransaction } from '../db/transaction.js';
import type { Inventory } from '../inventory/port.js';

/**
 * The demo catalogue: real-looking models in every standard category, with stock, so device
 * requests can be tried end to end. `units` is how many assets are in stock: the Dell XPS 13 has
 * a single unit left and the Pixel 9 none (it ships in about 10 days), so both the last-unit
 * race and a backorder can be shown.
 */
export interface DemoModel extends Partial<ModelInput> {
  category: string;
  manufacturer: string;
  name: string;
  specs: string;
  priceCents: number;
  units: number;
}

export const DEMO_CATALOG: readonly DemoModel[] = [
  { category: 'laptops', manufacturer: 'Lenovo', name: 'ThinkPad T14 Gen 5', specs: '14" 1920×1200, Intel Core Ultra 7, 32 GB RAM, 1 TB SSD', priceCents: 145_000, leadTimeDays: 7, units: 6 },
  { category: 'laptops', manufacturer: 'Apple', name: 'MacBook Pro 14 (M4 Pro)', specs: '14.2" Liquid Retina XDR, M4 Pro, 24 GB, 1 TB SSD', priceCents: 249_900, leadTimeDays: 14, eligibleDepartments: ['Engineering'], units: 2 },
  { category: 'laptops', manufacturer: 'Dell', name: 'XPS 13', specs: '13.4" FHD+, Intel Core Ultra 7, 16 GB RAM, 512 GB SSD', priceCents: 129_900, leadTimeDays: 12, units: 1 },
  { category: 'phones', manufacturer: 'Apple', name: 'iPhone 16 128 GB', specs: '6.1", 128 GB, eSIM + nano-SIM, MDM-enrolled', priceCents: 89_900, leadTimeDays: 5, units: 4 },
  { category: 'phones', manufacturer: 'Google', name: 'Pixel 9', specs: '6.3", 128 GB, Android Enterprise', priceCents: 79_900, leadTimeDays: 10, units: 0 },
  { category: 'phones', manufacturer: 'Samsung', name: 'Galaxy S24', specs: '6.2", 256 GB, Knox-enrolled', priceCents: 84_900, leadTimeDays: 7, units: 3 },
  { category: 'monitors', manufacturer: 'Dell', name: 'UltraSharp U2724D 27"', specs: '27" QHD IPS, USB-C hub, height adjustable', priceCents: 45_000, leadTimeDays: 5, units: 5 },
  { category: 'monitors', manufacturer: 'LG', name: '34WQ75C 34" curved', specs: '34" WQHD curved, USB-C 90 W', priceCents: 52_000, leadTimeDays: 10, units: 2 },
  { category: 'peripherals', manufacturer: 'Logitech', name: 'MX Keys S keyboard', specs: 'Wireless, backlit, US/UK/DE layouts', priceCents: 10_900, leadTimeDays: 3, units: 8 },
  { category: 'peripherals', manufacturer: 'Logitech', name: 'MX Master 3S mouse', specs: 'Wireless, quiet clicks, USB-C', priceCents: 9_900, leadTimeDays: 3, units: 8 },
  { category: 'peripherals', manufacturer: 'Jabra', name: 'Evolve2 65 headset', specs: 'Bluetooth stereo headset with USB-C dongle, Teams certified', priceCents: 22_900, leadTimeDays: 5, units: 4 },
  { category: 'accessories', manufacturer: 'Anker', name: 'USB-C docking station', specs: '2× HDMI, Ethernet, 100 W pass-through', priceCents: 14_900, leadTimeDays: 4, units: 6 },
  { category: 'accessories', manufacturer: 'Anker', name: '65 W USB-C charger', specs: 'GaN, 2× USB-C, 1× USB-A', priceCents: 4_900, leadTimeDays: 3, units: 10 },
  { category: 'loaners', manufacturer: 'Lenovo', name: 'Loaner ThinkPad E14', specs: 'For travel or while yours is in repair; back within 14 days', priceCents: 89_900, leadTimeDays: null, units: 3 },
];

/** Demo assets are tagged IT-000001, IT-000002, … with matching serials. */
export function demoTag(n: number): string {
  return `IT-${String(n).padStart(6, '0')}`;
}

/**
 * Loads the demo catalogue into an empty built-in inventory, in one transaction. Returns false
 * (and changes nothing) when the inventory already has models or is not the built-in one.
 */
export async function seedDemoCatalog(db: Executor, inventory: Inventory): Promise<boolean> {
  if (inventory.kind !== 'builtin' || (await inventory.listModels({ limit: 1 })).total > 0) return false;
  await withTransaction(db, async (trx) => {
    let n = 0;
    for (const { units, ...model } of DEMO_CATALOG) {
      const created = await inventory.createModel(
        {
          imageUrl: null,
          requestable: true,
          eligibleRoles: [],
          eligibleDepartments: [],
          leadTimeDays: null,
          ...model,
        },
        { trx, actor: null },
      );
      for (let i = 0; i < units; i++) {
        n += 1;
        await inventory.createAsset(
          {
            tag: demoTag(n),
            serial: `DEMO${String(n).padStart(6, '0')}`,
            modelId: created.id,
            status: 'in_stock',
            location: 'HQ IT store room',
            purchaseDate: '2026-09-01',
            warrantyEnd: model.category === 'laptops' || model.category === 'loaners' ? '2029-09-01' : '2028-09-01',
            notes: '',
          },
          { trx, actor: null, note: 'demo data' },
        );
      }
    }
  });
  return true;
}
