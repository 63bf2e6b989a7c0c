import type { Executor } from '../db/transaction.js';
import { insertBundle, listBundles } from '../features/onboarding/repository.js';
import type { Inventory } from '../inventory/port.js';

/**
 * The demo company's role bundles: an engineer gets a laptop and a monitor, approved and reserved
 * at once; a sales hire gets a laptop and a phone, through the usual approval chain.
 */
export const DEMO_BUNDLES = [
  {
    key: 'engineer',
    name: 'Engineer',
    groups: ['engineering'],
    models: ['ThinkPad T14 Gen 5', 'UltraSharp U2724D 27"'],
    autoApprove: true,
  },
  { key: 'sales', name: 'Sales', groups: ['sales'], models: ['ThinkPad T14 Gen 5', 'iPhone 16 128 GB'], autoApprove: false },
] as const;

/** Seeds the demo bundles once (an admin's later changes are kept across restarts). */
export async function seedDemoRoleBundles(db: Executor, inventory: Inventory, now: number): Promise<boolean> {
  if ((await listBundles(db)).length) return false;
  for (const bundle of DEMO_BUNDLES) {
    const items: { modelId: string; quantity: number }[] = [];
    for (const name of bundle.models) {
      const model = (await inventory.listModels({ query: name, limit: 5 })).items.find((m) => m.name === name);
      if (model) items.push({ modelId: model.id, quantity: 1 });
    }
    await insertBundle(db, {
      key: bundle.key,
      name: bundle.name,
      groups: JSON.stringify(bundle.groups),
      items: JSON.stringify(items),
      auto_approve: bundle.autoApprove ? 1 : 0,
      grants_staff: 0,
      created_at: now,
      updated_at: now,
      updated_by: 'demo',
    });
  }
  return true;
}
