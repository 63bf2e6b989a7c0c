// Provisional: replaced by re-exports from shared/onboarding.ts once it lands.
import { z } from 'zod';
import { daySchema } from '../../../../shared/requests';

const text = (max: number) => z.string().trim().min(1).max(max);
export const newHireSchema = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  personalEmail: z.string().trim().email().max(254),
  startDate: daySchema,
  timeZone: z.string().refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone.length > 0;
    } catch {
      return false;
    }
  }),
  department: text(100),
  title: text(100),
  manager: text(256),
  location: z.string().trim().max(100).optional(),
  employmentType: z.enum(['full_time', 'part_time', 'contractor', 'intern']).optional(),
  role: z.string().max(64).optional(),
});
export const offboardingSchema = z.strictObject({ username: text(256), lastDay: daySchema, timeZone: z.string().min(1) });
export function usernameFromPattern(_pattern: string, name: { firstName: string; lastName: string }, attempt = 1): string {
  const clean = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
  const base = [clean(name.firstName), clean(name.lastName)].filter(Boolean).join('.') || 'user';
  return attempt > 1 ? `${base}${attempt}` : base;
}
