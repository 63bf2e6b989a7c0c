import { describe, expect, it } from 'vitest';
import { progressOf, upcomingFirst } from '../../web/src/features/onboarding/progress.js';
import { formatDay, formatIn } from '../../web/src/features/onboarding/time.js';

describe('the onboarding lists', () => {
  it('count done items out of those needed and flag the overdue ones', () => {
    expect(
      progressOf([
        { key: 'account_created', state: 'done' },
        { key: 'equipment_reserved', state: 'overdue' },
        { key: 'activated', state: 'pending' },
        { key: 'groups_added', state: 'not_needed' },
      ]),
    ).toEqual({ done: 1, total: 3, overdue: 1 });
  });

  it('show the upcoming hires first, soonest at the top, then the started ones (latest first), cancelled last', () => {
    const hires = [
      { id: 1, status: 'active', startDate: '2026-01-05' },
      { id: 2, status: 'scheduled', startDate: '2026-12-14' },
      { id: 3, status: 'cancelled', startDate: '2026-12-01' },
      { id: 4, status: 'scheduled', startDate: '2026-12-07' },
      { id: 5, status: 'active', startDate: '2026-06-01' },
    ];
    expect(upcomingFirst(hires).map((h) => h.id)).toEqual([4, 2, 5, 1, 3]);
  });
});

describe('times in the person’s zone', () => {
  it('shows local midnight of a Tokyo start as Tokyo reads it and as Berlin reads it', () => {
    const start = '2026-12-06T15:00:00.000Z'; // Monday 7 December, 00:00 in Tokyo
    expect(formatIn(start, 'Asia/Tokyo', 'en-GB')).toBe('7 Dec 2026, 00:00');
    expect(formatIn(start, 'Europe/Berlin', 'en-GB')).toBe('6 Dec 2026, 16:00');
  });

  it('names a calendar day without moving it through a zone', () => {
    expect(formatDay('2026-12-07', 'en-GB')).toMatch(/^Monday,? 7 December 2026$/);
  });
});

describe('the activation page’s own messages', () => {
  it('say the same things in every language, with the same placeholders, and none left in English', async () => {
    const { activationMessages } = await import('../../web/src/features/activation/messages.js');
    const placeholders = (m: string) => [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
    const en = activationMessages.en as Record<string, string>;
    for (const locale of ['zh-CN', 'zh-TW'] as const) {
      const other = activationMessages[locale] as Record<string, string>;
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en)) {
        expect(placeholders(other[key]!), `${locale} ${key}`).toEqual(placeholders(en[key]!));
        expect(other[key], `${locale} ${key}`).not.toBe(en[key]);
      }
    }
  });
});
