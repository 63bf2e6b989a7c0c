import { LIST_SCHEMA, MAX_RESULTS, SCIMMY, scimError } from './scimmy.js';

type Filter = InstanceType<typeof SCIMMY.Types.Filter>;

/** A list request's query (RFC 7644 3.4.2), checked. */
export interface ListQuery {
  filter: Filter | null;
  /** attributes / excludedAttributes as SCIMMY's attribute filter. */
  attributes: Filter | undefined;
  /** 1-based. */
  startIndex: number;
  count: number;
}

export interface ScimList {
  schemas: [string];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: Record<string, unknown>[];
}

/** A positive integer from a query string, or the fallback; RFC 7644 says values below 1 (0 for count) are taken as 1 (0). */
function integer(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d{1,9}$/.test(raw.trim())) throw scimError(400, 'invalidValue', `'${name}' must be an integer.`);
  return Math.max(Number(raw), min);
}

/** Each expression must name an operator and (unless `pr`) a value; SCIMMY lets `userName eq` through. */
function checkExpressions(node: unknown): void {
  if (Array.isArray(node)) {
    if (typeof node[0] !== 'string') {
      for (const item of node) checkExpressions(item);
      return;
    }
    if (!['pr', 'np'].includes(node[0].toLowerCase()) && node.length < 2)
      throw scimError(400, 'invalidFilter', `The filter has '${node[0]}' without a value.`);
    return;
  }
  if (node && typeof node === 'object') for (const value of Object.values(node)) checkExpressions(value);
}

export function parseListQuery(q: Record<string, string | undefined>): ListQuery {
  let filter: Filter | null = null;
  let attributes: Filter | undefined;
  try {
    if (q.filter !== undefined) {
      if (q.filter.trim() === '') throw scimError(400, 'invalidFilter', 'The filter is empty.');
      if (q.filter.length > 2000) throw scimError(400, 'invalidFilter', 'The filter is too long.');
      // SCIMMY accepts a dangling logical operator ("a eq 1 and"); RFC 7644's grammar does not.
      if (/(^|\s)(and|or|not)\s*$/i.test(q.filter.trim())) throw scimError(400, 'invalidFilter', 'The filter ends with a logical operator.');
      filter = new SCIMMY.Types.Filter(q.filter);
      checkExpressions([...filter]);
    }
    // Only to parse attributes and excludedAttributes the way SCIMMY's resources do.
    const parsed = new SCIMMY.Resources.User(undefined, {
      ...(q.attributes ? { attributes: q.attributes } : {}),
      ...(q.excludedAttributes ? { excludedAttributes: q.excludedAttributes } : {}),
    });
    attributes = parsed.attributes;
  } catch (error) {
    if (error instanceof SCIMMY.Types.Error) throw error;
    throw scimError(400, 'invalidFilter', error instanceof Error ? error.message : 'The filter cannot be read.');
  }
  return {
    filter,
    attributes,
    startIndex: integer(q.startIndex, 'startIndex', 1, 1),
    count: Math.min(integer(q.count, 'count', MAX_RESULTS, 0), MAX_RESULTS),
  };
}

export function listResponse(resources: Record<string, unknown>[], totalResults: number, startIndex: number): ScimList {
  return { schemas: [LIST_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
