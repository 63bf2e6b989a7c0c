import type { DirectoryGroup } from '../../directory/port.js';
import { withTransaction } from '../../db/transaction.js';
import { actorOf, inline, type ScimCaller, type ScimDeps } from './context.js';
import { listResponse, type ListQuery, type ScimList } from './list.js';
import { ensureGroupLinks, ensureUserLinks, findGroupLinkById, findUserLinkById, type ScimGroupLink } from './repository.js';
import { coerce, coerceAsync, GROUP_SCHEMA, matchFilter, normalizePatch, SCIMMY, scimError } from './scimmy.js';

/**
 * SCIM Groups over the directory's groups. Membership is SCIM's to change (PATCH members, PUT);
 * groups themselves are made and removed in the directory, where their place (OU) and the roles
 * they grant are decided: POST and DELETE answer 501, and a new displayName is refused.
 */

type ScimObject = Record<string, unknown>;

async function represent(deps: ScimDeps, groups: readonly DirectoryGroup[], withMembers: boolean): Promise<ScimObject[]> {
  const now = deps.clock.now();
  const links = await ensureGroupLinks(deps.db, groups.map((g) => g.name), now);
  const people = withMembers ? await ensureUserLinks(deps.db, groups.flatMap((g) => g.members), now) : new Map();
  return groups.map((g) => {
    const link = links.get(g.name)!;
    return {
      schemas: [GROUP_SCHEMA],
      id: link.id,
      ...(link.externalId ? { externalId: link.externalId } : {}),
      displayName: g.name,
      ...(withMembers
        ? {
            members: g.members
              .map((m) => people.get(m.toLowerCase()))
              .filter((p) => p && p.deprovisionedAt === null)
              .map((p) => ({ value: p!.id, $ref: `${deps.baseUrl}/Users/${p!.id}`, display: p!.username, type: 'User' })),
          }
        : {}),
      meta: { resourceType: 'Group', created: new Date(link.createdAt).toISOString(), location: `${deps.baseUrl}/Groups/${link.id}` },
    };
  });
}

/** Whether the answer will show members: Entra and Okta ask for `excludedAttributes=members` on large lists. */
function wantsMembers(query: Pick<ListQuery, 'attributes'> & { excluded?: string; only?: string }): boolean {
  const excluded = (query.excluded ?? '').split(',').map((a) => a.trim().toLowerCase());
  if (excluded.includes('members')) return false;
  if (query.only) return query.only.split(',').some((a) => a.trim().toLowerCase().startsWith('members'));
  return true;
}

function project(resource: ScimObject, query: Pick<ListQuery, 'attributes'>): ScimObject {
  if (!query.attributes) return resource;
  const projected = JSON.parse(JSON.stringify(new SCIMMY.Schemas.Group(resource, 'out', undefined, query.attributes))) as ScimObject;
  return { schemas: resource.schemas, id: resource.id, ...projected, meta: resource.meta };
}

export interface GroupQueryExtras {
  excluded?: string;
  only?: string;
}

export async function listGroups(deps: ScimDeps, query: ListQuery, extras: GroupQueryExtras): Promise<ScimList> {
  const groups = await inline(deps, deps.directory.listGroups());
  // A filter on members needs them even when the answer leaves them out.
  const members = wantsMembers({ ...query, ...extras }) || JSON.stringify(query.filter ?? []).includes('members');
  const represented = await represent(deps, groups, members);
  const matched = query.filter ? matchFilter(query.filter, represented) : represented;
  const page = matched.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  const shown = wantsMembers({ ...query, ...extras }) ? page : page.map(({ members: _, ...rest }) => rest);
  return listResponse(shown.map((r) => project(r, query)), matched.length, query.startIndex);
}

async function groupOf(deps: ScimDeps, id: string): Promise<{ link: ScimGroupLink; group: DirectoryGroup }> {
  const link = await findGroupLinkById(deps.db, id);
  if (!link) throw scimError(404, null, `Group ${id} not found.`);
  const group = (await inline(deps, deps.directory.listGroups())).find((g) => g.name === link.name);
  if (!group) throw scimError(404, null, `Group ${id} not found.`);
  return { link, group };
}

export async function getGroup(deps: ScimDeps, id: string, query: Pick<ListQuery, 'attributes'>, extras: GroupQueryExtras): Promise<ScimObject> {
  const { group } = await groupOf(deps, id);
  const withMembers = wantsMembers({ ...query, ...extras });
  return project((await represent(deps, [group], withMembers))[0]!, query);
}

/** Makes the group's members the given SCIM user ids: adds and removes only the difference. */
async function setMembers(deps: ScimDeps, caller: ScimCaller, group: DirectoryGroup, memberIds: string[], action: string) {
  // Membership of a group that grants a portal role is a privilege: given in the directory only.
  if (grantsRole(deps, group.name)) throw scimError(403, null, `Members of ${group.name} get a portal role; change them in the directory.`);
  const wanted = new Map<string, string>();
  for (const id of memberIds) {
    const person = await findUserLinkById(deps.db, id);
    if (!person || person.deprovisionedAt !== null) throw scimError(400, 'invalidValue', `Member ${id} is not a user here.`);
    wanted.set(person.username, id);
  }
  const current = new Set(group.members.map((m) => m.toLowerCase()));
  // Members SCIM does not show (deprovisioned people) are never removed by omission.
  const hidden = await ensureUserLinks(deps.db, group.members, deps.clock.now());
  const added = [...wanted.keys()].filter((u) => !current.has(u));
  const removed = group.members.filter((m) => !wanted.has(m.toLowerCase()) && hidden.get(m.toLowerCase())?.deprovisionedAt === null);
  for (const username of added) {
    const result = await inline(deps, deps.directory.addToGroup(username, group.name));
    if (!result.ok) throw scimError(400, 'invalidValue', `Cannot add ${username} to ${group.name} (${result.reason}).`);
  }
  for (const username of removed) {
    const result = await inline(deps, deps.directory.removeFromGroup(username, group.name));
    if (!result.ok) throw scimError(400, 'invalidValue', `Cannot remove ${username} from ${group.name} (${result.reason}).`);
  }
  if (added.length || removed.length) {
    await withTransaction(deps.db, (trx) =>
      deps.audit.record(
        { action, actor: actorOf(caller), result: 'success', details: { tokenId: caller.tokenId, group: group.name, added, removed } },
        trx,
      ),
    );
  }
}

/** Whether a group (by cn, or a DN naming it) is one the portal maps to a role. */
function grantsRole(deps: ScimDeps, name: string): boolean {
  const wanted = name.toLowerCase();
  return (['manager', 'helpdesk', 'hr', 'admin'] as const).some((role) =>
    deps.roleGroups[role].some((entry) => {
      const lower = entry.toLowerCase();
      // Role groups may be given as full DNs (cn=portal-admins,ou=…): compare their cn.
      const cn = /^cn=((?:\\.|[^,])+)/i.exec(entry)?.[1]?.toLowerCase();
      return lower === wanted || cn === wanted;
    }),
  );
}

function memberIdsOf(resource: ScimObject): string[] {
  const members = Array.isArray(resource.members) ? (resource.members as ScimObject[]) : [];
  return members.map((m) => (typeof m.value === 'string' ? m.value : '')).filter(Boolean);
}

function checkName(link: ScimGroupLink, displayName: unknown): void {
  if (displayName !== undefined && displayName !== link.name)
    throw scimError(400, 'mutability', 'A group’s name is kept by the directory and cannot be changed over SCIM.');
}

export async function patchGroup(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<ScimObject> {
  const { link, group } = await groupOf(deps, id);
  const current = (await represent(deps, [group], true))[0]!;
  const patch = coerce(() => new SCIMMY.Messages.PatchOp(normalizePatch(body) as ConstructorParameters<typeof SCIMMY.Messages.PatchOp>[0]));
  const patched = JSON.parse(JSON.stringify(await coerceAsync(() => patch.apply(new SCIMMY.Schemas.Group(current, 'out'))))) as ScimObject;
  checkName(link, patched.displayName);
  await setMembers(deps, caller, group, memberIdsOf(patched), 'scim.group_patched');
  return getGroup(deps, id, { attributes: undefined }, {});
}

export async function replaceGroup(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<ScimObject> {
  const { link, group } = await groupOf(deps, id);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw scimError(400, 'invalidSyntax', 'Expected a Group object.');
  const incoming = JSON.parse(JSON.stringify(coerce(() => new SCIMMY.Schemas.Group(body, 'in')))) as ScimObject;
  checkName(link, incoming.displayName);
  await setMembers(deps, caller, group, memberIdsOf(incoming), 'scim.group_replaced');
  return getGroup(deps, id, { attributes: undefined }, {});
}
