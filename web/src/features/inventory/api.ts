import type { AssetFilter, AssetInput, AssetStatusChange, AssetUpdate, ModelFilter, ModelInput } from '../../../../shared/inventory';
import { api } from '../../api/client';
import { ApiError, okJson } from '../../api/errors';

// The help desk's inventory calls, typed from the server's routes.

/** Query values as the URL carries them (strings), without the empty ones. */
function asQuery<T extends object>(filter: T): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== null && value !== '') out[key] = String(value);
  return out;
}

export const listCategories = () => okJson(api.inventory.categories.$get());
export const listModels = (filter: Partial<ModelFilter>) => okJson(api.inventory.models.$get({ query: asQuery(filter) as never }));
export const getModel = (id: string) => okJson(api.inventory.models[':id'].$get({ param: { id } }));
export const createModel = (json: ModelInput) => okJson(api.inventory.models.$post({ json }));
export const updateModel = (id: string, json: ModelInput) => okJson(api.inventory.models[':id'].$put({ param: { id }, json }));
export const listAssets = (filter: Partial<AssetFilter>) => okJson(api.inventory.assets.$get({ query: asQuery(filter) as never }));
export const getAsset = (tag: string) => okJson(api.inventory.assets[':tag'].$get({ param: { tag } }));
export const createAsset = (json: Partial<AssetInput>) => okJson(api.inventory.assets.$post({ json: json as AssetInput }));
export const updateAsset = (tag: string, json: AssetUpdate) => okJson(api.inventory.assets[':tag'].$patch({ param: { tag }, json }));
export const changeStatus = (tag: string, json: AssetStatusChange) => okJson(api.inventory.assets[':tag'].status.$post({ param: { tag }, json }));

export type ImportAnswer = import('../../../../shared/inventory').ImportResult;

/** A dry run or a real import. Row problems come back as a 422 whose body is the answer to show, not a failure. */
export async function importCsv(csv: string, dryRun: boolean): Promise<ImportAnswer> {
  const response = await api.inventory.assets.import.$post({ query: dryRun ? { dryRun: '1' } : {}, json: { csv } });
  if (response.status === 422) return (await response.json()) as ImportAnswer;
  return (await okJson(Promise.resolve(response))) as ImportAnswer;
}

/** The export link for the current filter (a plain GET the browser downloads). */
export function exportHref(filter: Partial<AssetFilter>): string {
  const query = new URLSearchParams(asQuery({ ...filter, limit: undefined, offset: undefined }));
  return `/api/inventory/assets.csv${query.size ? `?${query}` : ''}`;
}

/** Field errors of a failed save, by field name, for the form to show next to each field. */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError && error.code === 'validation_failed' ? error.fields : {};
}
