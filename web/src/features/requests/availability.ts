import type { CatalogItem } from './types';

/** What the catalogue says about getting an item: i18n key and its values. */
export function availabilityOf(item: CatalogItem): { key: string; n?: number; tone: 'good' | 'wait' | 'none' } {
  if (!item.eligible) return { key: 'catalog.notForYou', tone: 'none' };
  if (item.inStock > 0) return { key: 'catalog.inStock', n: item.inStock, tone: 'good' };
  if (item.leadTimeDays !== null) return { key: 'catalog.shipsIn', n: item.leadTimeDays, tone: 'wait' };
  return { key: 'catalog.outOfStock', tone: 'wait' };
}
