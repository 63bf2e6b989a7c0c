import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import { type OffboardingView, timeZoneSchema } from './onboarding.js';
import { daySchema } from './requests.js';
import type { Role } from './roles.js';

/**
 * Offboarding rules both the web app and the server apply: when a last day ends, who may offboard
 * whom, and the bodies of the routes beyond `POST /api/offboarding` (whose schema, offboardingSchema,
 * lives with onboarding's in shared/onboarding.ts).
 */

/**
 * The end of `day` (YYYY-MM-DD) in an IANA zone: local 00:00 of the next day, as epoch ms. Computed
 * in the zone itself, so a day of 23 or 25 hours (a DST change) ends at the right instant.
 */
export function endOfDayIn(day: string, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new TZDate(year, month - 1, date + 1, 0, 0, 0, 0, timeZone).getTime();
}

/** How far back a last day may lie (a leaver recorded late is closed out at once) and how far ahead. */
export const MAX_LAST_DAY_DAYS_BACK = 31;
export const MAX_LAST_DAY_DAYS_AHEAD = 366;

/** `PATCH /api/offboarding/{id}`: a new last day and/or zone, while the offboarding is still scheduled. */
export const offboardingChangeSchema = z
  .strictObject({
    lastDay: daySchema.optional(),
    timeZone: timeZoneSchema.optional(),
  })
  .refine((body) => body.lastDay !== undefined || body.timeZone !== undefined, { message: 'Change the last day or the time zone.' });
export type OffboardingChangeBody = z.input<typeof offboardingChangeSchema>;

/** `POST /api/offboarding/{id}/cancel` */
export const cancelOffboardingSchema = z.strictObject({
  reason: z.string().trim().max(1000, 'A reason is at most 1000 characters.').optional(),
});

export const offboardingIdParamSchema = z.strictObject({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });

/** `GET /api/offboarding?status=` */
export const offboardingListQuerySchema = z.strictObject({
  status: z.enum(['scheduled', 'done', 'cancelled']).optional(),
});

/**
 * Why a staff member may not offboard a person: themselves; an admin unless they are an admin; an
 * HR colleague unless they are an admin (SECURITY 26: nobody acts on someone as privileged as they
 * are). Admins may offboard other admins: someone has to, and disabling is no takeover.
 */
export type OffboardingRefusal = 'self' | 'admin_account' | 'hr_account';

export function offboardingRefusal(
  actor: { username: string; roles: readonly Role[] },
  target: { username: string; roles: readonly Role[] },
): OffboardingRefusal | null {
  if (actor.username.toLowerCase() === target.username.toLowerCase()) return 'self';
  if (actor.roles.includes('admin')) return null;
  if (target.roles.includes('admin')) return 'admin_account';
  if (target.roles.includes('hr')) return 'hr_account';
  return null;
}

/** One device a return was opened for, and whether the help desk has checked it in. */
export interface OffboardingReturn {
  assetTag: string;
  modelName: string;
  /** The device report (kind `return`) the help desk closes with a check-in. */
  reportId: number;
  received: boolean;
  /** When it was checked in (ISO), or null. */
  receivedAt: string | null;
}

/** What the offboarding routes answer: the shared view with the manager and the returns. */
export interface OffboardingDetail extends OffboardingView {
  manager: string | null;
  returns: OffboardingReturn[];
  cancelledAt: string | null;
  cancelledBy: string | null;
}
