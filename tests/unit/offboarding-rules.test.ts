import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endOfDayIn, offboardingChangeSchema, offboardingRefusal } from '../../shared/offboarding.js';
import { offboardingSchema } from '../../shared/onboarding.js';
import type { Role } from '../../shared/roles.js';

describe('the end of a last day', () => {
  it('is local midnight after the day, in the zone, on days of 23 and 25 hours too', () => {
    const at = (day: string, zone: string) => new Date(endOfDayIn(day, zone)).toISOString();
    // Berlin springs forward on 28 March 2027 (a 23-hour day) and falls back on 25 October 2026 (25 hours).
    expect(at('2027-03-27', 'Europe/Berlin')).toBe('2027-03-27T23:00:00.000Z');
    expect(at('2027-03-28', 'Europe/Berlin')).toBe('2027-03-28T22:00:00.000Z');
    expect(at('2026-10-24', 'Europe/Berlin')).toBe('2026-10-24T22:00:00.000Z');
    expect(at('2026-10-25', 'Europe/Berlin')).toBe('2026-10-25T23:00:00.000Z');
    expect(at('2026-12-31', 'Asia/Tokyo')).toBe('2026-12-31T15:00:00.000Z');
    expect(at('2026-12-31', 'Pacific/Kiritimati')).toBe('2026-12-31T10:00:00.000Z');
    expect(at('2026-02-28', 'America/New_York')).toBe('2026-03-01T05:00:00.000Z');
  });

  it('falls between 10 and 38 hours after the day began in UTC, and later days end later', () => {
    const zones = ['Europe/Berlin', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Santiago', 'UTC'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 365 }), fc.constantFrom(...zones), (offset, zone) => {
        const start = Date.UTC(2026, 0, 1) + offset * 86_400_000;
        const day = new Date(start).toISOString().slice(0, 10);
        const next = new Date(start + 86_400_000).toISOString().slice(0, 10);
        const end = endOfDayIn(day, zone);
        expect(end - start).toBeGreaterThanOrEqual(10 * 3_600_000);
        expect(end - start).toBeLessThanOrEqual(38 * 3_600_000);
        expect(endOfDayIn(next, zone) - end).toBeGreaterThanOrEqual(23 * 3_600_000);
        expect(endOfDayIn(next, zone) - end).toBeLessThanOrEqual(25 * 3_600_000);
      }),
    );
  });
});

describe('offboarding input', () => {
  it('refuses days and zones that do not exist, with the field named', () => {
    const fields = (body: unknown) => {
      const result = offboardingSchema.safeParse(body);
      return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
    };
    expect(fields({ username: 'bob', lastDay: '2026-02-30', timeZone: 'Europe/Berlin' })).toEqual(['lastDay']);
    expect(fields({ username: 'bob', lastDay: '2026-12-18', timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(fields({ username: 'bob', lastDay: '2026-12-18', timeZone: 'Europe/Berlin' })).toEqual([]);
    expect(offboardingChangeSchema.safeParse({}).success).toBe(false);
    expect(offboardingChangeSchema.safeParse({ lastDay: '2026-12-19' }).success).toBe(true);
  });
});

describe('who may offboard whom', () => {
  const person = (username: string, ...roles: Role[]) => ({ username, roles: ['employee', ...roles] as Role[] });
  it('lets HR offboard employees, managers and the help desk; never themselves, an admin or an HR colleague', () => {
    const ruth = person('ruth', 'hr');
    expect(offboardingRefusal(ruth, person('bob'))).toBeNull();
    expect(offboardingRefusal(ruth, person('mark', 'manager'))).toBeNull();
    expect(offboardingRefusal(ruth, person('hana', 'helpdesk'))).toBeNull();
    expect(offboardingRefusal(ruth, person('RUTH', 'hr'))).toBe('self');
    expect(offboardingRefusal(ruth, person('adam', 'admin'))).toBe('admin_account');
    expect(offboardingRefusal(ruth, person('hanna', 'hr'))).toBe('hr_account');
  });
  it('lets an admin offboard anyone but themselves', () => {
    const adam = person('adam', 'admin');
    expect(offboardingRefusal(adam, person('eve', 'admin'))).toBeNull();
    expect(offboardingRefusal(adam, person('ruth', 'hr'))).toBeNull();
    expect(offboardingRefusal(adam, person('adam', 'admin'))).toBe('self');
  });
});

describe('the offboarding summary mail', () => {
  it('is in English and Chinese, names the devices, and carries no link in its subject', async () => {
    const { offboardingSummaryMail } = await import('../../server/mail/templates.js');
    const mail = offboardingSummaryMail('boss@example.com', {
      displayName: 'Bob Brown',
      username: 'bob',
      lastDay: '2027-03-28',
      timeZone: 'Europe/Berlin',
      accountDisabled: true,
      devices: [{ assetTag: 'LT-0001', modelName: 'ThinkPad T14' }],
      url: 'https://portal.example.com/offboarding/7',
    });
    expect(mail.subject).toBe('Offboarding done: Bob Brown / 离职手续已完成：Bob Brown');
    expect(mail.text).toContain('ThinkPad T14 (LT-0001)');
    expect(mail.text).toContain('已为其名下的每台设备发起归还');
    expect(mail.subject).not.toContain('http');
  });
});
