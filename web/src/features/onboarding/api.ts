import { portalFetch } from '../../api/client';
import { ApiError, errorFrom } from '../../api/errors';
import type { HireView, OffboardingView, RoleBundleView } from './types';

// HR's onboarding and offboarding calls. Plain portalFetch with the shared view types: the same
// session, CSRF and re-authentication handling as the typed client.

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await portalFetch(path, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'Network request failed');
  }
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

const id = (value: string | number) => encodeURIComponent(String(value));
/** List answers may come bare or wrapped (`{hires: […]}`); take the array either way. */
const listOf = <T>(answer: unknown, key: string): T[] =>
  Array.isArray(answer) ? (answer as T[]) : (((answer as Record<string, unknown>)[key] ?? (answer as Record<string, unknown>).items ?? []) as T[]);

export const listHires = async () => listOf<HireView>(await call('GET', '/api/onboarding/hires'), 'hires');
export const getHire = (hireId: string) => call<HireView>('GET', `/api/onboarding/hires/${id(hireId)}`);
export const createHire = (body: Record<string, unknown>) => call<HireView>('POST', '/api/onboarding/hires', body);
export const changeHire = (hireId: string, body: Record<string, unknown>) => call<HireView>('PATCH', `/api/onboarding/hires/${id(hireId)}`, body);
export const cancelHire = (hireId: string) => call<HireView>('POST', `/api/onboarding/hires/${id(hireId)}/cancel`, {});
export const listBundles = async () => listOf<RoleBundleView>(await call('GET', '/api/onboarding/bundles'), 'bundles');

export const listLeavers = async () => listOf<OffboardingView>(await call('GET', '/api/offboarding'), 'offboardings');
export const getLeaver = (leaverId: string) => call<OffboardingView>('GET', `/api/offboarding/${id(leaverId)}`);
export const createLeaver = (body: Record<string, unknown>) => call<OffboardingView>('POST', '/api/offboarding', body);
export const changeLeaver = (leaverId: string, body: Record<string, unknown>) => call<OffboardingView>('PATCH', `/api/offboarding/${id(leaverId)}`, body);
export const cancelLeaver = (leaverId: string) => call<OffboardingView>('POST', `/api/offboarding/${id(leaverId)}/cancel`, {});

/** The catalog, to name a bundle's items by their model. */
export const listCatalog = async () =>
  listOf<{ modelId: string; manufacturer: string; name: string; category: string }>(await call('GET', '/api/catalog'), 'items');

/** Field errors of a refused save, by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError && error.code === 'validation_failed' ? error.fields : {};
}
