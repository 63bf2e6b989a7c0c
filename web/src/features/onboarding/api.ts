import type { HireChangeBody, NewHireBody, OffboardingBody, RoleBundleBody } from '../../../../shared/onboarding';
import { api } from '../../api/client';
import { ApiError, okJson } from '../../api/errors';

// HR's onboarding and offboarding calls, typed from the server's routes.

export const listHires = async () => (await okJson(api.onboarding.hires.$get({ query: {} }))).items;
export const getHire = (id: string) => okJson(api.onboarding.hires[':id'].$get({ param: { id } }));
export const createHire = (json: NewHireBody) => okJson(api.onboarding.hires.$post({ json }));
export const changeHire = (id: string, json: HireChangeBody) => okJson(api.onboarding.hires[':id'].$patch({ param: { id }, json }));
export const cancelHire = (id: string) => okJson(api.onboarding.hires[':id'].cancel.$post({ param: { id }, json: {} }));
export const listBundles = async () => (await okJson(api.onboarding.bundles.$get())).items;
/** The bundles and the configured staff groups (for the editor's admins-only flag). */
export const listBundlesWithStaff = () => okJson(api.onboarding.bundles.$get());
export const createBundle = (json: RoleBundleBody) => okJson(api.onboarding.bundles.$post({ json }));
export const updateBundle = (key: string, json: Omit<RoleBundleBody, 'key'>) => okJson(api.onboarding.bundles[':key'].$put({ param: { key }, json }));
export const deleteBundle = (key: string) => okJson(api.onboarding.bundles[':key'].$delete({ param: { key } }));

export const listLeavers = async () => (await okJson(api.offboarding.$get({ query: {} }))).items;
export const getLeaver = (id: string) => okJson(api.offboarding[':id'].$get({ param: { id } }));
export const createLeaver = (json: OffboardingBody) => okJson(api.offboarding.$post({ json }));
export const changeLeaver = (id: string, json: { lastDay: string }) => okJson(api.offboarding[':id'].$patch({ param: { id }, json }));
export const cancelLeaver = (id: string) => okJson(api.offboarding[':id'].cancel.$post({ param: { id }, json: {} }));

/** The catalog, to name a bundle's items by their model. */
export const listCatalog = async () => (await okJson(api.catalog.$get({ query: {} }))).items;

/** Field errors of a refused save, by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError && error.code === 'validation_failed' ? error.fields : {};
}
