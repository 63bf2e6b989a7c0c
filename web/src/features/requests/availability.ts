import { MAX_QUANTITY } from '../../../../shared/requests';
import type { CatalogItem } from './types';

/** What the catalog says about getting an item (from the server's label): i18n key, its number, and a tone. */
export function availabilityOf(item: CatalogItem): { key: string; n: number; tone: 'good' | 'wait' | 'none' } {
  if (!item.eligibility.eligible) return { key: 'catalog.notForYou', n: 0, tone: 'none' };
  const label = item.label;
  if (label.kind === 'in_stock') return { key: 'catalog.inStock', n: label.count, tone: 'good' };
  if (label.kind === 'last_one') return { key: 'catalog.lastOne', n: 1, tone: 'good' };
  if (label.kind === 'lead_time') return { key: 'catalog.shipsIn', n: label.days, tone: 'wait' };
  return { key: 'catalog.outOfStock', n: 0, tone: 'wait' };
}

/** How many units one request may ask for. */
export const maxQuantityOf = (item: CatalogItem) => (item.quantityAllowed ? MAX_QUANTITY : 1);
