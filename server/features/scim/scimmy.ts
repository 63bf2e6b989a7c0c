import SCIMMY from 'scimmy';

/**
 * SCIMMY set up once for this process: which resources exist, their schema extensions, and what the
 * ServiceProviderConfig tells clients. SCIMMY keeps this in module state, so it is the same for
 * every app built in the process; nothing here depends on an app's deps. The routes use SCIMMY for
 * what it does well (schema coercion, filters, PatchOp, error and list messages, discovery) and do
 * the storage themselves, because SCIMMY's own resource handlers turn every unexpected error into a 404.
 */

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const USER_SCHEMA = SCIMMY.Schemas.User.id;
export const GROUP_SCHEMA = SCIMMY.Schemas.Group.id;
export const ENTERPRISE_SCHEMA = SCIMMY.Schemas.EnterpriseUser.id;
export const LIST_SCHEMA = SCIMMY.Messages.ListResponse.id;

/**
 * The portal's own extension for a future hire: a user created with `active: false` and a
 * `startDate` goes through onboarding (account created disabled, activation on the start date in
 * the hire's zone, activation link to the personal mail). Named in the SCIM extension namespace
 * because SCIMMY (and several clients' attribute mappers) accept only urn:ietf:params:scim:schemas:…
 */
export const PORTAL_SCHEMA = 'urn:ietf:params:scim:schemas:extension:portal:2.0:User';
const portalExtension = new SCIMMY.Types.SchemaDefinition('PortalOnboarding', PORTAL_SCHEMA, 'Onboarding details of a future hire', [
  new SCIMMY.Types.Attribute('string', 'startDate', { description: 'First working day, YYYY-MM-DD, in the hire’s time zone.' }),
  new SCIMMY.Types.Attribute('string', 'timeZone', { description: 'IANA time zone of the hire, e.g. Europe/Berlin.' }),
  new SCIMMY.Types.Attribute('string', 'personalEmail', { description: 'Where the activation link is sent before the hire has a work account.' }),
  new SCIMMY.Types.Attribute('string', 'location', { description: 'Office or site.' }),
  new SCIMMY.Types.Attribute('string', 'role', { description: 'Role bundle key (groups and equipment).' }),
]);

/** How many resources one list answer holds at most (ServiceProviderConfig filter.maxResults). */
export const MAX_RESULTS = 200;

let ready = false;
/** Declares the resources and the provider config (idempotent). */
export function setUpScimmy(): void {
  if (ready) return;
  ready = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User);
  SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
  // extend() accepts a definition at run time; its declared type wants a Schema class.
  SCIMMY.Resources.User.extend(portalExtension as unknown as typeof SCIMMY.Types.Schema, false);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
  SCIMMY.Config.set({
    documentationUri: 'https://github.com/employee-it-portal/employee-it-portal#scim',
    patch: { supported: true },
    filter: { supported: true, maxResults: MAX_RESULTS },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A token an administrator creates in the portal (Admin → SCIM tokens), sent as "Authorization: Bearer …".',
        primary: true,
      },
    ],
  });
}

export { SCIMMY };

/** A SCIM error to throw from the service: status, scimType and a detail for the client. */
export function scimError(status: number, scimType: string | null, detail: string): InstanceType<typeof SCIMMY.Types.Error> {
  return new SCIMMY.Types.Error(status, scimType as string, detail);
}

export function isScimError(error: unknown): error is InstanceType<typeof SCIMMY.Types.Error> {
  return error instanceof SCIMMY.Types.Error;
}

/**
 * Entra sends booleans as the strings "True"/"False" (in PATCH values and sometimes bodies);
 * SCIMMY, rightly strict, refuses strings for boolean attributes. Turned into booleans here,
 * only for the attributes that are booleans in our schemas.
 */
const BOOLEAN_KEYS = new Set(['active', 'primary']);
export function normalizeBooleans(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && key !== undefined && BOOLEAN_KEYS.has(lastSegment(key))) {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => normalizeBooleans(item, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeBooleans(v, k);
    return out;
  }
  return value;
}

function lastSegment(key: string): string {
  const parts = key.split(/[.:]/);
  return parts[parts.length - 1]!.replace(/\[.*$/, '');
}

/** A PatchOp body with Entra's spellings ("Replace", "False") made standard. */
export function normalizePatch(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const message = body as { Operations?: unknown };
  if (!Array.isArray(message.Operations)) return body;
  return {
    ...message,
    Operations: message.Operations.map((op: unknown) => {
      if (op === null || typeof op !== 'object') return op;
      const o = op as { op?: unknown; path?: unknown; value?: unknown };
      let value = typeof o.path === 'string' ? normalizeBooleans(o.value, o.path) : normalizeBooleans(o.value);
      // Entra sets the manager as a bare id string on the manager path; the schema's manager is complex.
      if (typeof o.path === 'string' && /(^|:)manager$/i.test(o.path) && typeof value === 'string') value = { value };
      return { ...o, op: typeof o.op === 'string' ? o.op.toLowerCase() : o.op, value };
    }),
  };
}

/**
 * Runs a SCIMMY step on client input: SCIMMY reports bad values as TypeError (its resources turn
 * those into 400 invalidValue themselves); a SCIM error passes through.
 */
export function coerce<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (isScimError(error)) throw error;
    if (error instanceof TypeError) throw scimError(400, 'invalidValue', error.message);
    throw error;
  }
}

export async function coerceAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isScimError(error)) throw error;
    if (error instanceof TypeError) throw scimError(400, 'invalidValue', error.message);
    throw error;
  }
}

/** Attributes that are compared exactly (RFC 7643: caseExact true); every other string is compared without case. */
const CASE_EXACT = new Set(['id', 'externalId', 'value', '$ref']);

function lowerCopy(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && CASE_EXACT.has(key) ? value : value.toLowerCase();
  if (Array.isArray(value)) return value.map((item) => lowerCopy(item, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = lowerCopy(v, k);
    return out;
  }
  return value;
}

/** In a filter expression tree, values of attributes that are not case-exact are lower-cased. */
function lowerFilter(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) {
    if (typeof node[0] === 'string' && node.length >= 2 && !(key !== undefined && CASE_EXACT.has(key)))
      return [node[0], ...node.slice(1).map((v) => (typeof v === 'string' ? v.toLowerCase() : v))];
    return node.map((item) => lowerFilter(item, key));
  }
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = lowerFilter(v, k);
    return out;
  }
  return node;
}

/**
 * SCIMMY's Filter.match compares strings exactly, while RFC 7643 makes userName, emails and names
 * case-insensitive (`userName eq "Bob"` finds bob). Matches on lower-cased copies, except for the
 * case-exact id, externalId and reference values (emails[].value is compared without case: mail is).
 */
export function matchFilter<T extends Record<string, unknown>>(filter: InstanceType<typeof SCIMMY.Types.Filter>, resources: T[]): T[] {
  const shadows: Record<string, unknown>[] = resources.map((r, index) => ({ ...(lowerCopy(r) as Record<string, unknown>), __index: index }));
  // Mail compares without case although its key is `value`, which is case-exact elsewhere.
  const emailsLowered = shadows.map((shadow, i) => {
    const emails = (resources[i] as { emails?: { value?: string }[] }).emails;
    if (Array.isArray(emails)) shadow.emails = (shadow.emails as { value?: string }[]).map((e, j) => ({ ...e, value: emails[j]?.value?.toLowerCase() }));
    return shadow;
  });
  const groups = [...filter].map((group) => {
    const lowered = lowerFilter(group) as Record<string, unknown>;
    const emails = (group as Record<string, unknown>).emails as Record<string, unknown> | undefined;
    if (emails && typeof emails === 'object' && !Array.isArray(emails) && Array.isArray(emails.value)) {
      const [op, ...rest] = emails.value as unknown[];
      (lowered.emails as Record<string, unknown>).value = [op, ...rest.map((v) => (typeof v === 'string' ? v.toLowerCase() : v))];
    }
    return lowered;
  });
  const matched = new SCIMMY.Types.Filter(groups).match(emailsLowered) as { __index: number }[];
  return matched.map((m) => resources[m.__index]!);
}
