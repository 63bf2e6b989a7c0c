import type { Kysely } from 'kysely';
import type { ChainRule } from '../../shared/requests.js';
import type { Database } from '../db/schema.js';
import { listChainRows, replaceChainRows } from '../features/requests/repository.js';

/** Accessories priced at or under this (cents) need only the manager in the demo. */
export const DEMO_ACCESSORY_LIMIT_CENTS = 10_000;

/**
 * The demo company's approval chains: laptops and phones need the manager and then the help desk
 * (hana is told); accessories and peripherals under the set price need the manager only, dearer
 * ones the help desk too; monitors and loaners the manager.
 */
export const DEMO_CHAINS: ChainRule[] = [
  { category: 'laptops', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
  { category: 'phones', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
  { category: 'accessories', maxPriceCents: DEMO_ACCESSORY_LIMIT_CENTS, steps: [{ kind: 'manager', slaHours: 48 }] },
  { category: 'accessories', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
  { category: 'peripherals', maxPriceCents: DEMO_ACCESSORY_LIMIT_CENTS, steps: [{ kind: 'manager', slaHours: 48 }] },
  { category: 'peripherals', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
  { category: 'monitors', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 48 }] },
  { category: 'loaners', maxPriceCents: null, steps: [{ kind: 'manager', slaHours: 24 }] },
];

/** Seeds the demo chains once: an admin's later changes are kept across restarts. */
export async function seedDemoApprovalChains(db: Kysely<Database>, now: number): Promise<boolean> {
  if ((await listChainRows(db)).length) return false;
  await replaceChainRows(
    db,
    DEMO_CHAINS.map((r) => ({ category: r.category, max_price_cents: r.maxPriceCents, steps: JSON.stringify(r.steps) })),
    now,
    null,
  );
  return true;
}
