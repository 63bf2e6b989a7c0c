import { z } from 'zod';
import { daySchema } from './requests.js';

/**
 * Onboarding and offboarding: the API's request bodies and views, and the rules both the web app and
 * the server apply (a valid time zone, a username from a pattern). A form the web app accepts is one
 * the server accepts, and the same field errors read the same on both.
 */

// ---------------------------------------------------------------------------------------------
// Small pieces

/**
 * Whether `zone` is an IANA time zone this runtime knows. `Intl.supportedValuesOf` lists canonical
 * names only (no `UTC` on some engines, no links such as `Asia/Calcutta`), so a DateTimeFormat try is
 * the test that accepts everything the server can actually compute with.
 */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  // Offsets like "+09:00" are accepted by DateTimeFormat on newer engines but are not zones: a
  // fixed offset has no DST and would silently move an activation by an hour twice a year.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z
  .string()
  .trim()
  .min(1, 'Choose a time zone.')
  .max(64, 'This is not a time zone.')
  .refine(isTimeZone, 'This is not a time zone we know (use a name like Europe/Berlin).');

/** A name as HR types it: trimmed, inner runs of spaces folded, never empty, no control characters. */
const personName = (label: string) =>
  z
    .string()
    .transform((value) => value.normalize('NFC').replace(/\s+/g, ' ').trim())
    .pipe(
      z
        .string()
        .min(1, `Enter the ${label}.`)
        .max(64, `The ${label} is at most 64 characters.`)
        // eslint-disable-next-line no-control-regex
        .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `The ${label} cannot contain control characters.`),
    );

const shortText = (label: string, max = 128) =>
  z
    .string()
    .transform((value) => value.replace(/\s+/g, ' ').trim())
    .pipe(
      z
        .string()
        .min(1, `Enter the ${label}.`)
        .max(max, `The ${label} is at most ${max} characters.`)
        // eslint-disable-next-line no-control-regex
        .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `The ${label} cannot contain control characters.`),
    );

/** A directory username as typed in a form (the manager): the portal's usernames are short ASCII. */
export const usernameFieldSchema = z
  .string()
  .trim()
  .min(1, 'Enter the manager’s username.')
  .max(64, 'A username is at most 64 characters.')
  .regex(/^[A-Za-z0-9._-]+$/, 'A username has only letters, digits, dots, dashes and underscores.');

export const EMPLOYMENT_TYPES = ['full_time', 'part_time', 'contractor', 'intern'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

/** A role bundle's key: lower-case, URL-safe. */
export const bundleKeySchema = z
  .string()
  .trim()
  .min(1, 'Give the role a key.')
  .max(40, 'A role key is at most 40 characters.')
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'Use lower-case letters, digits, dashes and underscores.')
  // The editor's address for a new bundle is /onboarding/bundles/new.
  .refine((key) => key !== 'new', 'The key “new” is reserved; choose another.');

/** How far ahead a start date may be booked (and how far back: a hire added on their first morning). */
export const MAX_START_DAYS_AHEAD = 366;

// ---------------------------------------------------------------------------------------------
// Hires

/** `POST /api/onboarding/hires` */
export const newHireSchema = z.strictObject({
  firstName: personName('first name'),
  lastName: personName('last name'),
  personalEmail: z
    .string()
    .trim()
    .max(254, 'An email address is at most 254 characters.')
    .pipe(z.email('Enter an email address like name@example.com.')),
  startDate: daySchema,
  timeZone: timeZoneSchema,
  department: shortText('department'),
  title: shortText('job title'),
  manager: usernameFieldSchema,
  location: shortText('location').optional(),
  employmentType: z.enum(EMPLOYMENT_TYPES).default('full_time'),
  role: bundleKeySchema.optional(),
});
export type NewHireBody = z.input<typeof newHireSchema>;
export type NewHire = z.output<typeof newHireSchema>;

/** `PATCH /api/onboarding/hires/{id}`: what may change before the start date. At least one field. */
export const hireChangeSchema = z
  .strictObject({
    startDate: daySchema.optional(),
    timeZone: timeZoneSchema.optional(),
    manager: usernameFieldSchema.optional(),
    title: shortText('job title').optional(),
    department: shortText('department').optional(),
    location: shortText('location').nullable().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'Change at least one field.' });
export type HireChangeBody = z.input<typeof hireChangeSchema>;
export type HireChange = z.output<typeof hireChangeSchema>;

/** `POST /api/onboarding/hires/{id}/cancel` */
export const cancelHireSchema = z.strictObject({
  reason: z.string().trim().max(1000).optional(),
});

/** `POST /api/offboarding` */
export const offboardingSchema = z.strictObject({
  username: usernameFieldSchema,
  lastDay: daySchema,
  timeZone: timeZoneSchema,
});
export type OffboardingBody = z.input<typeof offboardingSchema>;

/** `POST /api/activation/{token}`: the first password. Checked against the reset policy on the server. */
export const activationSchema = z.strictObject({
  password: z.string().min(1, 'Choose a password.').max(1024, 'That password is too long.'),
});
export type ActivationBody = z.input<typeof activationSchema>;

/** The token in `/api/activation/{token}` (43 base64url characters, like reset links). */
export const activationTokenParamSchema = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not valid.'),
});

export const hireIdParamSchema = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

export const HIRE_STATUSES = ['scheduled', 'active', 'cancelled'] as const;
export type HireStatus = (typeof HIRE_STATUSES)[number];

export const ONBOARDING_CHECKLIST_KEYS = [
  'account_created',
  'groups_added',
  'equipment_reserved',
  'equipment_shipped',
  'equipment_received',
  'activation_sent',
  'activated',
  'first_sign_in',
] as const;
export const OFFBOARDING_CHECKLIST_KEYS = ['account_disabled', 'sessions_revoked', 'returns_opened', 'returns_received'] as const;
export type ChecklistKey = (typeof ONBOARDING_CHECKLIST_KEYS)[number] | (typeof OFFBOARDING_CHECKLIST_KEYS)[number];

export const CHECKLIST_STATES = ['done', 'pending', 'overdue', 'not_needed'] as const;
export type ChecklistState = (typeof CHECKLIST_STATES)[number];

export interface ChecklistItem {
  key: ChecklistKey;
  state: ChecklistState;
  /** When it was done (ISO), or when it falls due while pending/overdue. */
  at?: string;
  /** A short machine-readable note, e.g. `2 of 3` for equipment, or the directory's reason for a failure. */
  detail?: string;
}

export interface HireView {
  id: number;
  username: string;
  displayName: string;
  firstName: string;
  lastName: string;
  /** Null for readers without `onboarding.manage` (the help desk, managers): it is HR's to know. */
  personalEmail: string | null;
  startDate: string;
  timeZone: string;
  department: string;
  title: string;
  manager: string;
  location: string | null;
  employmentType: EmploymentType;
  /** The role bundle's key, or null when none was chosen. */
  role: string | null;
  status: HireStatus;
  /** Local 00:00 of the start date in the hire's zone (ISO, UTC). */
  activatesAt: string;
  createdBy: string;
  createdAt: string;
  /** Device requests made for the hire from the bundle. */
  requestIds: number[];
  /** The same requests, named: what was asked for and where it stands (a request status), in request order. */
  equipment: HireEquipment[];
  checklist: ChecklistItem[];
  /** True when any checklist item is overdue (for the list's flag). */
  overdue: boolean;
  /**
   * The last thing provisioning could not do, for HR to act on (e.g. `sales: no_such_group`, an item
   * no longer in the catalog, a manager who left); null when all went well.
   */
  problem: string | null;
}

/** One of a hire's equipment requests as the hire's page lists it. */
export interface HireEquipment {
  requestId: number;
  modelName: string;
  /** The request's status (`submitted`, `approved`, `shipped`, …); `unknown` if the request is gone. */
  status: string;
}

// ---------------------------------------------------------------------------------------------
// Role bundles

/** Directory groups that make someone staff: only admins may put these in a bundle. */
export const STAFF_GROUP_ROLES = ['helpdesk', 'hr', 'admin'] as const;
export type StaffGroupRole = (typeof STAFF_GROUP_ROLES)[number];

/** True when the text is meant as a DN (it names an attribute), rather than a bare group name. */
function looksLikeDn(value: string): boolean {
  return /^\s*[A-Za-z0-9.-]+\s*=/.test(value);
}

/** A rough canonical DN (lower case, no spaces around separators) for where no full RFC 4514 parser is at hand. */
function roughDn(dn: string): string | null {
  return looksLikeDn(dn) ? dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1') : null;
}

/**
 * Whether a group typed into a role bundle is one of the staff groups (`staffGroups`: the help-desk,
 * HR and admin role groups as configured, names or DNs). Names compare case-insensitively, DNs by
 * `normalizeDn` (the server passes its RFC 4514 one; the web app's rough one suffices for a hint),
 * and a bare name matches a staff DN's `cn=<name>,…`, because a bare name in a bundle is created
 * under the group base. The server decides with this same function; the web app shows it.
 */
export function isStaffGroup(
  group: string,
  staffGroups: readonly string[],
  normalizeDn: (dn: string) => string | null = roughDn,
): boolean {
  const wanted = group.trim().toLowerCase();
  if (!wanted) return false;
  const wantedDn = looksLikeDn(group) ? normalizeDn(group) : null;
  for (const entry of staffGroups) {
    if (entry.trim().toLowerCase() === wanted) return true;
    if (looksLikeDn(entry)) {
      const dn = normalizeDn(entry);
      if (wantedDn && dn === wantedDn) return true;
      const cn = /^\s*cn\s*=([^,]+),/i.exec(entry)?.[1];
      if (cn && cn.trim().toLowerCase() === wanted) return true;
    }
  }
  return false;
}

/** Only admins may add staff groups to a bundle, or change or delete a bundle that has one. */
export function mayEditStaffBundle(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

const groupNameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a group name.')
  .max(128, 'A group name is at most 128 characters.')
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'A group name cannot contain control characters.');

export const bundleItemSchema = z.strictObject({
  modelId: z.string().trim().min(1, 'Choose a catalog item.').max(64),
  quantity: z.number().int().min(1).max(5).default(1),
});

/** `POST /api/onboarding/bundles` and `PUT /api/onboarding/bundles/{key}` (key from the path on PUT). */
export const roleBundleSchema = z.strictObject({
  key: bundleKeySchema,
  name: shortText('role name', 80),
  groups: z
    .array(groupNameSchema)
    .max(20, 'A role gives at most 20 groups.')
    .refine((groups) => new Set(groups.map((g) => g.toLowerCase())).size === groups.length, 'Each group once.')
    .default([]),
  items: z
    .array(bundleItemSchema)
    .max(10, 'A role gives at most 10 catalog items.')
    .refine((items) => new Set(items.map((i) => i.modelId)).size === items.length, 'Each catalog item once.')
    .default([]),
  autoApprove: z.boolean().default(false),
});
export type RoleBundleBody = z.input<typeof roleBundleSchema>;
export type RoleBundleInput = z.output<typeof roleBundleSchema>;
export const roleBundleUpdateSchema = roleBundleSchema.omit({ key: true });
export const bundleKeyParamSchema = z.strictObject({ key: bundleKeySchema });

export interface RoleBundleView {
  key: string;
  name: string;
  groups: string[];
  items: { modelId: string; quantity: number }[];
  autoApprove: boolean;
  /** True when the bundle gives a staff group (only admins may change it then). */
  grantsStaff: boolean;
  updatedAt: string;
  updatedBy: string;
}

/** `GET /api/onboarding/bundles` */
export interface RoleBundleList {
  items: RoleBundleView[];
  /** The configured help-desk, HR and admin groups (names or DNs), so the editor can flag them (`isStaffGroup`). */
  staffGroups: string[];
}

// ---------------------------------------------------------------------------------------------
// Offboarding (implemented by the offboarding feature; the view is shared so lists read alike)

export const OFFBOARDING_STATUSES = ['scheduled', 'done', 'cancelled'] as const;
export type OffboardingStatus = (typeof OFFBOARDING_STATUSES)[number];

export interface OffboardingView {
  id: number;
  username: string;
  displayName: string;
  lastDay: string;
  timeZone: string;
  status: OffboardingStatus;
  /** End of the last day in the person's zone (ISO, UTC): when the account closes. */
  closesAt: string;
  createdBy: string;
  createdAt: string;
  checklist: ChecklistItem[];
  overdue: boolean;
}

// ---------------------------------------------------------------------------------------------
// Activation (the hire's page)

/** `GET /api/activation/{token}` */
export interface ActivationView {
  valid: boolean;
  /** The hire's first name, to greet them (nothing else about them before they prove the link). */
  firstName: string | null;
  /** The username they will sign in with, once they have set the password. */
  username: string | null;
  rules: { minLength: number; maxLength: number; historyCount: number } | null;
  expiresAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// Usernames

export const DEFAULT_USERNAME_PATTERN = '{first}.{last}';

/** Placeholders a username pattern may use. `{f}`/`{l}` are initials. */
export const USERNAME_PLACEHOLDERS = ['{first}', '{last}', '{f}', '{l}'] as const;

export const usernamePatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((p) => /\{first\}|\{last\}|\{f\}|\{l\}/.test(p), 'The pattern needs {first}, {last}, {f} or {l}.')
  .refine(
    (p) => /^[a-z0-9._\-]*$/.test(p.replace(/\{first\}|\{last\}|\{f\}|\{l\}/g, '')),
    'Between placeholders use only a-z, 0-9, dot, dash, underscore.',
  );

/** Longest username the pattern produces (before the collision number), short enough for sAMAccountName (20). */
export const MAX_USERNAME_STEM = 17;

/** Letters that NFKD does not decompose into ASCII. */
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
  ħ: 'h',
};

/** A name part as ASCII a-z0-9: accents stripped (NFKD), special letters spelled out, the rest dropped. */
export function asciiName(part: string): string {
  return part
    .toLowerCase()
    .replace(/[ßæøœđðþłıħ]/g, (c) => SPECIAL_LETTERS[c] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]/g, '');
}

/** A short, stable, lower-case base-36 digest of a string (FNV-1a), for names with no Latin letters. */
function shortDigest(value: string): string {
  let hash = 0x811c9dc5;
  for (const ch of value) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0').slice(0, 6);
}

/**
 * The username to try for a hire: `pattern` filled with the ASCII form of the names, lower-case, at
 * most MAX_USERNAME_STEM characters, and `attempt` > 1 appended for collisions (`jane.doe`, `jane.doe2`, …).
 * Names with no Latin letters at all (e.g. CJK) fall back to the personal email's local part when it
 * is usable, else `user` + a digest of the name (stable, so a retry picks the same one). Pure.
 */
export function usernameFromPattern(
  pattern: string,
  names: { firstName: string; lastName: string; personalEmail?: string },
  attempt = 1,
): string {
  const first = asciiName(names.firstName);
  const last = asciiName(names.lastName);
  let stem: string;
  if (first || last) {
    const f = first || last;
    const l = last || first;
    stem = pattern
      .replace(/\{first\}/g, f)
      .replace(/\{last\}/g, l)
      .replace(/\{f\}/g, f.slice(0, 1))
      .replace(/\{l\}/g, l.slice(0, 1));
  } else {
    const local = asciiEmailLocal(names.personalEmail);
    stem = local ?? `user${shortDigest(`${names.firstName}\u0000${names.lastName}`)}`;
  }
  stem = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '')
    .replace(/[._-]{2,}/g, (run) => run[0]!)
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_USERNAME_STEM)
    .replace(/[._-]+$/g, '');
  // Always start with a letter: some systems refuse usernames starting with a digit.
  if (!/^[a-z]/.test(stem)) stem = `u${stem}`.slice(0, MAX_USERNAME_STEM);
  if (stem.length < 2) stem = `user${shortDigest(`${names.firstName}\u0000${names.lastName}`)}`;
  return attempt > 1 ? `${stem}${attempt}` : stem;
}

function asciiEmailLocal(email: string | undefined): string | null {
  if (!email) return null;
  const local = email.split('@')[0] ?? '';
  const ascii = local
    .toLowerCase()
    .replace(/\+.*$/, '')
    .replace(/[^a-z0-9._-]/g, '');
  return /[a-z]/.test(ascii) && ascii.length >= 2 ? ascii : null;
}

/** The display name a hire gets in the directory. */
export function hireDisplayName(firstName: string, lastName: string): string {
  return `${firstName} ${lastName}`;
}

/** `GET /api/onboarding/hires?status=&limit=` */
export const hireListQuerySchema = z.strictObject({
  status: z.enum(HIRE_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
