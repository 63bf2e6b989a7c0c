import type { AccountChange, DirectoryUser, DirectoryWriteResult, NewDirectoryAccount } from '../../directory/port.js';
import { withTransaction } from '../../db/transaction.js';
import { rolesFromGroups } from '../../directory/roles.js';
import { actorOf, inline, type ScimCaller, type ScimDeps, type ScimHire } from './context.js';
import {
  deprovisionedUsernames,
  ensureGroupLinks,
  ensureUserLinks,
  findUserLinkById,
  findUserLinksByExternalId,
  findUserLinksByRequestedName,
  markDeprovisioned,
  rememberRequestedName,
  saveUserLink,
  type ScimUserLink,
} from './repository.js';
import { coerce, coerceAsync, ENTERPRISE_SCHEMA, matchFilter, normalizeBooleans, normalizePatch, PORTAL_SCHEMA, SCIMMY, scimError, USER_SCHEMA } from './scimmy.js';
import { listResponse, type ListQuery, type ScimList } from './list.js';

/**
 * SCIM Users over the directory port. The directory is the source of truth for who exists; the
 * scim_users table only gives each person a stable SCIM id (made the first time SCIM sees them,
 * so people who were in the directory before SCIM appear too) and keeps the client's externalId.
 *
 * DELETE deprovisions: the account is disabled and its sessions ended, never deleted. A leaver's
 * audit trail, assets and mail stay attached to the account, and an accidental unassignment in
 * the identity provider is undone by provisioning the person again (the same account comes back).
 */

type ScimObject = Record<string, unknown>;

/** What a User body (POST, PUT, or the result of a PATCH) asks the directory to hold. */
interface DesiredUser {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  email: string | null;
  title: string | null;
  active: boolean;
  department: string | null;
  employeeNumber: string | null;
  /** The manager's SCIM id, as sent. */
  managerId: string | null;
  portal: { startDate: string | null; timeZone: string | null; personalEmail: string | null; location: string | null; role: string | null };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** Control characters have no place in a directory value and would hide in the audit trail. */
function checkValue(field: string, value: string | null, max = 256): void {
  if (value === null) return;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw scimError(400, 'invalidValue', `Attribute '${field}' contains control characters.`);
  if ([...value].length > max) throw scimError(400, 'invalidValue', `Attribute '${field}' is longer than ${max} characters.`);
}

/** Reads a body through SCIMMY's User schema (types, required userName, mutability) into what we store. */
function desiredFrom(body: unknown, direction: 'in' | 'out'): DesiredUser {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw scimError(400, 'invalidSyntax', 'Expected a User object.');
  const input = normalizeBooleans(body) as ScimObject;
  const user = coerce(() => new SCIMMY.Schemas.User(input, direction)) as unknown as ScimObject;
  const name = (user.name ?? {}) as ScimObject;
  const emails = (Array.isArray(user.emails) ? user.emails : []) as ScimObject[];
  const work = emails.find((e) => e.type === 'work' && e.primary) ?? emails.find((e) => e.type === 'work') ?? emails.find((e) => e.primary) ?? emails[0];
  const enterprise = (user[ENTERPRISE_SCHEMA] ?? {}) as ScimObject;
  const manager = enterprise.manager as ScimObject | undefined;
  const portal = (user[PORTAL_SCHEMA] ?? {}) as ScimObject;
  const userName = text(user.userName);
  if (!userName) throw scimError(400, 'invalidValue', "Required attribute 'userName' is missing.");
  const desired: DesiredUser = {
    userName,
    externalId: text(user.externalId),
    givenName: text(name.givenName),
    familyName: text(name.familyName),
    displayName: text(user.displayName) ?? text(name.formatted),
    email: text(work?.value),
    title: text(user.title),
    active: user.active === undefined ? true : user.active === true,
    department: text(enterprise.department),
    employeeNumber: text(enterprise.employeeNumber),
    managerId: text(manager?.value),
    portal: {
      startDate: text(portal.startDate),
      timeZone: text(portal.timeZone),
      personalEmail: text(portal.personalEmail),
      location: text(portal.location),
      role: text(portal.role),
    },
  };
  for (const [field, value] of Object.entries({
    userName: desired.userName,
    externalId: desired.externalId,
    'name.givenName': desired.givenName,
    'name.familyName': desired.familyName,
    displayName: desired.displayName,
    emails: desired.email,
    title: desired.title,
    department: desired.department,
    employeeNumber: desired.employeeNumber,
  })) {
    checkValue(field, value);
  }
  if (desired.email !== null && !/^[^\s@]+@[^\s@]+$/.test(desired.email)) throw scimError(400, 'invalidValue', `'${desired.email}' is not an email address.`);
  return desired;
}

/** Builds the SCIM representation of directory people, in one batch (links, managers and groups read once). */
async function represent(deps: ScimDeps, users: readonly DirectoryUser[]): Promise<ScimObject[]> {
  const now = deps.clock.now();
  const managers = users.map((u) => u.manager).filter((m): m is string => !!m);
  const links = await ensureUserLinks(deps.db, [...users.map((u) => u.username), ...managers], now);
  const groups = await ensureGroupLinks(deps.db, users.flatMap((u) => u.groups), now);
  const base = deps.baseUrl;
  return users.map((u) => {
    const link = links.get(u.username.toLowerCase())!;
    const managerLink = u.manager ? links.get(u.manager.toLowerCase()) : undefined;
    const enterprise: ScimObject = {};
    if (u.department) enterprise.department = u.department;
    if (u.employeeNumber) enterprise.employeeNumber = u.employeeNumber;
    if (managerLink) enterprise.manager = { value: managerLink.id, $ref: `${base}/Users/${managerLink.id}`, displayName: u.manager };
    const name: ScimObject = { formatted: u.displayName };
    if (u.givenName) name.givenName = u.givenName;
    if (u.familyName) name.familyName = u.familyName;
    return {
      schemas: [USER_SCHEMA, ...(Object.keys(enterprise).length ? [ENTERPRISE_SCHEMA] : [])],
      id: link.id,
      ...(link.externalId ? { externalId: link.externalId } : {}),
      userName: u.username,
      name,
      displayName: u.displayName,
      ...(u.title ? { title: u.title } : {}),
      active: !u.disabled,
      ...(u.email ? { emails: [{ value: u.email, type: 'work', primary: true }] } : {}),
      ...(u.groups.length
        ? { groups: u.groups.map((g) => ({ value: groups.get(g)!.id, $ref: `${base}/Groups/${groups.get(g)!.id}`, display: g, type: 'direct' })) }
        : {}),
      ...(Object.keys(enterprise).length ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
      meta: {
        resourceType: 'User',
        created: new Date(link.createdAt).toISOString(),
        lastModified: new Date(link.updatedAt).toISOString(),
        location: `${base}/Users/${link.id}`,
      },
    };
  });
}

/** Applies `attributes` / `excludedAttributes` through SCIMMY (which keeps id, schemas and meta). */
function project(resource: ScimObject, query: Pick<ListQuery, 'attributes'>): ScimObject {
  if (!query.attributes) return resource;
  const projected = JSON.parse(JSON.stringify(new SCIMMY.Schemas.User(resource, 'out', undefined, query.attributes))) as ScimObject;
  // RFC 7643 section 7: id and schemas are always returned (and meta by default); SCIMMY drops them.
  return { schemas: resource.schemas, id: resource.id, ...projected, meta: resource.meta };
}

/**
 * People who hold a staff role (help desk, HR, admin) are changed in the directory, not over SCIM:
 * a leaked HR-system token must not be able to point an admin's mail elsewhere (and reset their
 * password), disable every admin, or re-enable a locked-out one (SECURITY 26). Reads still show them.
 */
function refuseStaff(deps: ScimDeps, user: DirectoryUser): void {
  const roles = rolesFromGroups(user, deps.roleGroups);
  if (roles.some((role) => role === 'helpdesk' || role === 'hr' || role === 'admin'))
    throw scimError(403, null, `${user.username} holds a portal staff role; change this account in the directory.`);
}

/** The live (not deprovisioned) person behind a SCIM id, or a 404. */
async function personOf(deps: ScimDeps, id: string): Promise<{ link: ScimUserLink; user: DirectoryUser }> {
  const link = await findUserLinkById(deps.db, id);
  if (!link || link.deprovisionedAt !== null) throw scimError(404, null, `User ${id} not found.`);
  const user = await inline(deps, deps.directory.findUser(link.username));
  if (!user) throw scimError(404, null, `User ${id} not found.`);
  return { link, user };
}

export async function getUser(deps: ScimDeps, id: string, query: Pick<ListQuery, 'attributes'>): Promise<ScimObject> {
  const { user } = await personOf(deps, id);
  return project((await represent(deps, [user]))[0]!, query);
}

/** Most people a filter the directory cannot answer by index may scan (the whole directory, read page by page). */
const SCAN_LIMIT = 20_000;

async function allPeople(deps: ScimDeps): Promise<DirectoryUser[]> {
  const people: DirectoryUser[] = [];
  for (let offset = 0; offset < SCAN_LIMIT; offset += 500) {
    const page = await inline(deps, deps.directory.listUsers({ offset, limit: 500 }));
    people.push(...page.users);
    if (page.users.length < 500 || people.length >= page.total) break;
  }
  return people;
}

type FilterGroup = Record<string, unknown>;
const eqValue = (expr: unknown): string | null =>
  Array.isArray(expr) && expr.length === 2 && String(expr[0]).toLowerCase() === 'eq' && typeof expr[1] === 'string' ? expr[1] : null;

/**
 * The people one AND-group of a filter can only match, found by index, or null when the group has
 * no indexable equality (then the whole directory is read). Indexable: userName, id, externalId,
 * emails.value (work mail).
 */
async function candidatesFor(deps: ScimDeps, group: FilterGroup): Promise<DirectoryUser[] | null> {
  const byLinks = async (links: ScimUserLink[]) => {
    const users = await Promise.all(links.map((l) => inline(deps, deps.directory.findUser(l.username))));
    return users.filter((u): u is DirectoryUser => u !== null);
  };
  const byName = eqValue(group.userName);
  if (byName !== null) {
    const user = await inline(deps, deps.directory.findUser(byName));
    // A hire sent over SCIM is found by the userName the client asked for, too.
    return [...(user ? [user] : []), ...(await byLinks(await findUserLinksByRequestedName(deps.db, byName)))];
  }
  const byId = eqValue(group.id);
  if (byId !== null) {
    const link = await findUserLinkById(deps.db, byId);
    return link ? byLinks([link]) : [];
  }
  const byExternal = eqValue(group.externalId);
  if (byExternal !== null) return byLinks(await findUserLinksByExternalId(deps.db, byExternal));
  const emails = group.emails as Record<string, unknown> | undefined;
  const byMail = emails && typeof emails === 'object' && !Array.isArray(emails) ? eqValue(emails.value) : null;
  if (byMail !== null) {
    const user = await inline(deps, deps.directory.findUserByEmail(byMail));
    return user ? [user] : [];
  }
  return null;
}

export async function listUsers(deps: ScimDeps, query: ListQuery): Promise<ScimList> {
  const hidden = await deprovisionedUsernames(deps.db);
  const visible = (users: DirectoryUser[]) => users.filter((u) => !hidden.has(u.username.toLowerCase()));
  if (!query.filter && hidden.size === 0) {
    // No filter: one page straight from the directory, which counts everyone.
    const page = await inline(deps, deps.directory.listUsers({ offset: query.startIndex - 1, limit: query.count }));
    const resources = query.count === 0 ? [] : await represent(deps, page.users);
    return listResponse(resources.map((r) => project(r, query)), page.total, query.startIndex);
  }
  if (!query.filter) {
    // Deprovisioned people are still in the directory (disabled) but not in SCIM: pages are cut
    // from the whole list without them, so startIndex and totalResults stay consistent.
    const everyone = visible(await allPeople(deps));
    const page = everyone.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    return listResponse((await represent(deps, page)).map((r) => project(r, query)), everyone.length, query.startIndex);
  }
  const groups = [...query.filter] as FilterGroup[];
  let candidates: DirectoryUser[] = [];
  const indexed = await Promise.all(groups.map((g) => candidatesFor(deps, g)));
  if (indexed.every((c) => c !== null)) {
    const seen = new Set<string>();
    for (const user of indexed.flat() as DirectoryUser[]) {
      if (seen.has(user.username)) continue;
      seen.add(user.username);
      candidates.push(user);
    }
  } else {
    candidates = await allPeople(deps);
  }
  const represented = await represent(deps, visible(candidates));
  // `userName eq` alone is answered by the directory (and the names clients asked for hires) and
  // needs no second look; anything else is matched by SCIMMY (operators, case rules, and/or) on the SCIM form.
  const byUserNameOnly = groups.every((g) => Object.keys(g).length === 1 && eqValue(g.userName) !== null);
  const matched = byUserNameOnly ? represented : matchFilter(query.filter, represented);
  const page = matched.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  return listResponse(page.map((r) => project(r, query)), matched.length, query.startIndex);
}

async function managerUsername(deps: ScimDeps, managerId: string | null): Promise<string | null> {
  if (managerId === null) return null;
  const link = await findUserLinkById(deps.db, managerId);
  if (!link || link.deprovisionedAt !== null) throw scimError(400, 'invalidValue', `Manager ${managerId} is not a user here.`);
  return link.username;
}

/** A directory refusal, said the SCIM way. */
function refuse(result: DirectoryWriteResult, what: string): void {
  if (result.ok) return;
  switch (result.reason) {
    case 'username_taken':
      throw scimError(409, 'uniqueness', `userName '${what}' is already taken.`);
    case 'no_such_manager':
      throw scimError(400, 'invalidValue', 'The manager is not in the directory.');
    case 'no_such_group':
      throw scimError(400, 'invalidValue', 'The group is not in the directory.');
    case 'not_found':
      throw scimError(404, null, `User ${what} not found.`);
  }
}

export async function createUser(deps: ScimDeps, caller: ScimCaller, body: unknown): Promise<ScimObject> {
  const desired = desiredFrom(body, 'in');
  const manager = await managerUsername(deps, desired.managerId);
  const existing = await inline(deps, deps.directory.findUser(desired.userName));
  if (existing) {
    const [link] = (await ensureUserLinks(deps.db, [existing.username], deps.clock.now())).values();
    // Someone SCIM deprovisioned comes back as the same account: the identity provider assigned them again.
    if (link && link.deprovisionedAt !== null) return applyDesired(deps, caller, existing, desired, 'scim.user_reprovisioned');
    throw scimError(409, 'uniqueness', `userName '${desired.userName}' is already taken.`);
  }

  if (!desired.active && desired.portal.startDate) return createHire(deps, caller, desired, manager);

  const account: NewDirectoryAccount = {
    username: desired.userName,
    givenName: desired.givenName ?? '',
    // LDAP's inetOrgPerson needs a surname: the display name (or login) stands in.
    familyName: desired.familyName ?? desired.displayName ?? desired.userName,
    displayName: desired.displayName ?? ([desired.givenName, desired.familyName].filter(Boolean).join(' ') || desired.userName),
    email: desired.email ?? '',
    department: desired.department,
    title: desired.title,
    manager,
    employeeNumber: desired.employeeNumber,
  };
  refuse(await inline(deps, deps.directory.createUser(account, { enabled: desired.active })), desired.userName);
  const username = desired.userName;
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    const saved = await saveUserLink(trx, { username, externalId: desired.externalId, now });
    await deps.audit.record(
      { action: 'scim.user_created', actor: actorOf(caller), subject: username, result: 'success', details: { tokenId: caller.tokenId, scimId: saved.id, active: desired.active } },
      trx,
    );
  });
  const user = await inline(deps, deps.directory.findUser(username));
  if (!user) throw scimError(500, null, 'The user was created but cannot be read back from the directory.');
  return (await represent(deps, [user]))[0]!;
}

/**
 * A future hire (`active: false` with the portal extension's startDate) goes through onboarding,
 * like a hire HR adds: the username comes from the portal's pattern, the account is created
 * disabled by a queued job, and it wakes on the start date. The answer shows the username
 * onboarding chose; the userName the client asked for still finds the hire, and sending it again
 * is a 409, never a second hire.
 */
async function createHire(deps: ScimDeps, caller: ScimCaller, desired: DesiredUser, manager: string | null): Promise<ScimObject> {
  if (!deps.onboarding) throw scimError(501, null, 'Onboarding hires over SCIM is not available on this portal; create the user active, or add the hire in the portal.');
  const { portal } = desired;
  if (!portal.timeZone || !portal.personalEmail)
    throw scimError(400, 'invalidValue', `A hire with a startDate needs timeZone and personalEmail in ${PORTAL_SCHEMA}.`);
  const earlier = (await findUserLinksByRequestedName(deps.db, desired.userName)).filter((l) => l.deprovisionedAt === null);
  if (earlier.length) throw scimError(409, 'uniqueness', `userName '${desired.userName}' was already sent as a hire (now '${earlier[0]!.username}').`);
  const hire: ScimHire = await deps.onboarding.createHire(
    {
      givenName: desired.givenName ?? '',
      familyName: desired.familyName ?? '',
      personalEmail: portal.personalEmail,
      startDate: portal.startDate!,
      timeZone: portal.timeZone,
      department: desired.department,
      title: desired.title,
      manager,
      location: portal.location,
      role: portal.role,
    },
    caller,
  );
  const now = deps.clock.now();
  const link = await withTransaction(deps.db, async (trx) => {
    const saved = await saveUserLink(trx, { username: hire.username, externalId: desired.externalId, now });
    if (hire.username.toLowerCase() !== desired.userName.toLowerCase()) await rememberRequestedName(trx, hire.username, desired.userName);
    await deps.audit.record(
      {
        action: 'scim.hire_created',
        actor: actorOf(caller),
        subject: hire.username,
        result: 'success',
        details: { tokenId: caller.tokenId, scimId: saved.id, requestedUserName: desired.userName, startDate: portal.startDate },
      },
      trx,
    );
    return saved;
  });
  const managerLink = manager ? (await ensureUserLinks(deps.db, [manager], now)).get(manager.toLowerCase()) : undefined;
  const enterprise: ScimObject = {};
  if (desired.department) enterprise.department = desired.department;
  if (managerLink) enterprise.manager = { value: managerLink.id, $ref: `${deps.baseUrl}/Users/${managerLink.id}`, displayName: manager };
  return {
    schemas: [USER_SCHEMA, ...(Object.keys(enterprise).length ? [ENTERPRISE_SCHEMA] : []), PORTAL_SCHEMA],
    id: link.id,
    ...(link.externalId ? { externalId: link.externalId } : {}),
    userName: hire.username,
    name: { formatted: hire.displayName, ...(desired.givenName ? { givenName: desired.givenName } : {}), ...(desired.familyName ? { familyName: desired.familyName } : {}) },
    displayName: hire.displayName,
    ...(desired.title ? { title: desired.title } : {}),
    active: false,
    ...(Object.keys(enterprise).length ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
    [PORTAL_SCHEMA]: Object.fromEntries(Object.entries(portal).filter(([, v]) => v !== null)),
    meta: { resourceType: 'User', created: new Date(link.createdAt).toISOString(), lastModified: new Date(now).toISOString(), location: `${deps.baseUrl}/Users/${link.id}` },
  };
}

/** Makes the directory hold `desired` for an existing person (PUT, PATCH, re-provisioning). */
async function applyDesired(deps: ScimDeps, caller: ScimCaller, user: DirectoryUser, desired: DesiredUser, action: string): Promise<ScimObject> {
  refuseStaff(deps, user);
  if (desired.userName.toLowerCase() !== user.username.toLowerCase())
    throw scimError(400, 'mutability', 'userName cannot be changed here: the directory account keeps its login name.');
  const manager = await managerUsername(deps, desired.managerId);
  const change: AccountChange = {};
  const differs = <K extends keyof AccountChange>(key: K, next: AccountChange[K], current: unknown) => {
    if ((next ?? null) !== (current ?? null)) change[key] = next;
  };
  // Optional attributes absent from the new state are cleared; the names and mail the directory
  // needs are only ever replaced, never emptied.
  if (desired.givenName !== null) differs('givenName', desired.givenName, user.givenName);
  if (desired.familyName !== null) differs('familyName', desired.familyName, user.familyName);
  if (desired.displayName !== null) differs('displayName', desired.displayName, user.displayName);
  if (desired.email !== null) differs('email', desired.email, user.email || null);
  differs('title', desired.title, user.title);
  differs('department', desired.department, user.department);
  differs('employeeNumber', desired.employeeNumber, user.employeeNumber);
  if ((manager ?? '').toLowerCase() !== (user.manager ?? '').toLowerCase()) change.manager = manager;

  if (Object.keys(change).length) refuse(await inline(deps, deps.directory.updateUser(user.username, change)), user.username);
  const enabledChanged = desired.active === user.disabled;
  if (enabledChanged) {
    refuse(await inline(deps, deps.directory.setEnabled(user.username, desired.active)), user.username);
    // A disabled account signs out everywhere now, not at the next session re-check.
    if (!desired.active) await deps.sessions.endAllFor(user.username);
  }
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await saveUserLink(trx, { username: user.username, externalId: desired.externalId, now });
    await deps.audit.record(
      {
        action,
        actor: actorOf(caller),
        subject: user.username,
        result: 'success',
        details: { tokenId: caller.tokenId, changed: Object.keys(change), ...(enabledChanged ? { active: desired.active } : {}) },
      },
      trx,
    );
  });
  const after = await inline(deps, deps.directory.findUser(user.username));
  if (!after) throw scimError(404, null, 'The user is no longer in the directory.');
  return (await represent(deps, [after]))[0]!;
}

export async function replaceUser(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<ScimObject> {
  const { user } = await personOf(deps, id);
  return applyDesired(deps, caller, user, desiredFrom(body, 'in'), 'scim.user_replaced');
}

export async function patchUser(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<ScimObject> {
  const { user } = await personOf(deps, id);
  const current = (await represent(deps, [user]))[0]!;
  const message = normalizePatch(body) as ConstructorParameters<typeof SCIMMY.Messages.PatchOp>[0];
  // A user's groups are read-only (RFC 7643 4.1.2): membership changes go through /Groups.
  const operations = Array.isArray(message?.Operations) ? message.Operations : [];
  if (operations.some((op) => (typeof op?.path === 'string' && /^groups\b/i.test(op.path)) || (op?.path === undefined && op?.value && typeof op.value === 'object' && 'groups' in op.value)))
    throw scimError(400, 'mutability', 'A user’s groups are read-only; change membership through /Groups.');
  const patch = coerce(() => new SCIMMY.Messages.PatchOp(message));
  // PatchOp works on the full current state and gives the full new state (with and without path,
  // filters in paths, value objects without a path as Entra sends them); that state is then
  // stored like a PUT.
  const patched = (await coerceAsync(() => patch.apply(new SCIMMY.Schemas.User(current, 'out')))) as unknown as ScimObject;
  const desired = desiredFrom({ ...JSON.parse(JSON.stringify(patched)), schemas: current.schemas }, 'out');
  return applyDesired(deps, caller, user, desired, 'scim.user_patched');
}

export async function deprovisionUser(deps: ScimDeps, caller: ScimCaller, id: string): Promise<void> {
  const { link, user } = await personOf(deps, id);
  refuseStaff(deps, user);
  refuse(await inline(deps, deps.directory.setEnabled(user.username, false)), user.username);
  await deps.sessions.endAllFor(user.username);
  await withTransaction(deps.db, async (trx) => {
    await markDeprovisioned(trx, link.id, deps.clock.now());
    await deps.audit.record(
      { action: 'scim.user_deprovisioned', actor: actorOf(caller), subject: user.username, result: 'success', details: { tokenId: caller.tokenId, scimId: link.id } },
      trx,
    );
  });
}

