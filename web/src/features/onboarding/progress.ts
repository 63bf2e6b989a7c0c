import type { ChecklistItem } from './types';

/** "3 of 7 done" and whether anything is overdue, for a list row. Items that are not needed do not count. */
export function progressOf(items: readonly ChecklistItem[]): { done: number; total: number; overdue: number } {
  const counted = items.filter((item) => item.state !== 'not_needed');
  return {
    done: counted.filter((item) => item.state === 'done').length,
    total: counted.length,
    overdue: counted.filter((item) => item.state === 'overdue').length,
  };
}

const STATUS_ORDER: Record<string, number> = { scheduled: 0, active: 1, cancelled: 2 };

/** Upcoming first (soonest start at the top), then the started ones (latest first), cancelled last. */
export function upcomingFirst<T extends { status: string; startDate: string }>(hires: readonly T[]): T[] {
  return [...hires].sort((a, b) => {
    const byStatus = (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3);
    if (byStatus !== 0) return byStatus;
    return a.status === 'scheduled' ? a.startDate.localeCompare(b.startDate) : b.startDate.localeCompare(a.startDate);
  });
}
