import { describe, expect, it } from 'vitest';
import type { HireRow } from '../../server/db/schema.js';
import { DEFAULT_ROLE_GROUPS } from '../../server/directory/roles.js';
import { checklistOf, grantsStaff, staffGroupsOf, startOfDayIn, summaryTime, todayIn } from '../../server/features/onboarding/service.js';
import { isStaffGroup, mayEditStaffBundle } from '../../shared/onboarding.js';

describe('start of the day in the hire’s zone', () => {
  it('follows each zone’s offset on that day, DST included', () => {
    expect(new Date(startOfDayIn('2026-12-07', 'Asia/Tokyo')).toISOString()).toBe('2026-12-06T15:00:00.000Z');
    // Los Angeles: PST (UTC−8) in winter, PDT (UTC−7) from 14 March 2027.
    expect(new Date(startOfDayIn('2027-03-13', 'America/Los_Angeles')).toISOString()).toBe('2027-03-13T08:00:00.000Z');
    expect(new Date(startOfDayIn('2027-03-15', 'America/Los_Angeles')).toISOString()).toBe('2027-03-15T07:00:00.000Z');
    expect(new Date(startOfDayIn('2026-12-07', 'UTC')).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    // Kolkata has a half-hour offset.
    expect(new Date(startOfDayIn('2026-12-07', 'Asia/Kolkata')).toISOString()).toBe('2026-12-06T18:30:00.000Z');
  });

  it('puts the summary at 09:00 local the day before, across a month end', () => {
    expect(new Date(summaryTime('2026-12-01', 'Asia/Tokyo')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('knows which day it is in a zone', () => {
    const instant = Date.parse('2026-12-06T15:30:00Z');
    expect(todayIn(instant, 'Asia/Tokyo')).toBe('2026-12-07');
    expect(todayIn(instant, 'America/Los_Angeles')).toBe('2026-12-06');
  });
});

describe('staff groups in a role bundle', () => {
  const groups = { ...DEFAULT_ROLE_GROUPS, admin: ['cn=IT Admins,ou=groups,dc=example,dc=org'] };
  it('recognises the help desk, HR and admin groups by name or DN, in any case', () => {
    expect(grantsStaff('portal-helpdesk', groups)).toBe(true);
    expect(grantsStaff('PORTAL-HR', groups)).toBe(true);
    expect(grantsStaff('it admins', groups)).toBe(true);
    expect(grantsStaff('CN=IT Admins,OU=groups,DC=example,DC=org', groups)).toBe(true);
    // Managers are not staff here (a team lead bundle is fine for HR), nor other groups.
    expect(grantsStaff('portal-managers', groups)).toBe(false);
    expect(grantsStaff('engineering', groups)).toBe(false);
  });

  it('reads a group the same in the web app (shared rule, rough DN form) as on the server (RFC 4514 form)', () => {
    const staff = staffGroupsOf(groups);
    const samples = [
      'portal-helpdesk',
      ' Portal-HR ',
      'it admins',
      'CN=IT Admins, OU=groups, DC=example, DC=org',
      'cn=it admins,ou=other,dc=example,dc=org',
      'portal-managers',
      'engineering',
      '',
    ];
    for (const group of samples) expect(isStaffGroup(group, staff), group).toBe(grantsStaff(group, groups));
    expect(samples.filter((g) => isStaffGroup(g, staff))).toEqual([
      'portal-helpdesk',
      ' Portal-HR ',
      'it admins',
      'CN=IT Admins, OU=groups, DC=example, DC=org',
    ]);
  });

  it('lets only admins touch staff bundles', () => {
    expect(mayEditStaffBundle(['employee', 'admin'])).toBe(true);
    expect(mayEditStaffBundle(['employee', 'hr'])).toBe(false);
  });
});

describe('the checklist', () => {
  const start = Date.parse('2026-12-06T15:00:00Z');
  const row = (changes: Partial<HireRow> = {}): HireRow =>
    ({
      id: 1,
      status: 'scheduled',
      activates_at: start,
      bundle: JSON.stringify({ groups: ['eng'], items: [{ modelId: '1', quantity: 1 }], autoApprove: true }),
      request_ids: '[]',
      account_created_at: null,
      groups_added_at: null,
      equipment_requested_at: null,
      activation_sent_at: null,
      activated_at: null,
      first_sign_in_at: null,
      updated_at: start - 10 * 86_400_000,
      ...changes,
    }) as HireRow;
  const states = (r: HireRow, statuses: Map<number, string>, now: number) =>
    Object.fromEntries(checklistOf(r, statuses, now).map((i) => [i.key, i.state]));

  it('is pending ahead of time, overdue once an item’s time has passed, done with its time', () => {
    expect(states(row(), new Map(), start - 5 * 86_400_000)).toMatchObject({
      account_created: 'pending',
      equipment_reserved: 'pending',
      activated: 'pending',
    });
    const late = states(
      row({
        account_created_at: start - 3 * 86_400_000,
        groups_added_at: start - 3 * 86_400_000,
        equipment_requested_at: start - 3 * 86_400_000,
        request_ids: '[7]',
      }),
      new Map([[7, 'approved']]),
      start + 2 * 86_400_000,
    );
    expect(late).toMatchObject({
      account_created: 'done',
      equipment_reserved: 'done',
      equipment_shipped: 'overdue',
      equipment_received: 'overdue',
      activation_sent: 'overdue',
      activated: 'pending',
    });
  });

  it('needs no groups or equipment a bundle does not give, and nothing more once cancelled', () => {
    const none = row({ bundle: JSON.stringify({ groups: [], items: [], autoApprove: false }) });
    expect(states(none, new Map(), start)).toMatchObject({
      groups_added: 'not_needed',
      equipment_reserved: 'not_needed',
      equipment_received: 'not_needed',
    });
    expect(Object.values(states(row({ status: 'cancelled' }), new Map(), start + 10 * 86_400_000)).every((s) => s === 'not_needed')).toBe(
      true,
    );
  });
});
