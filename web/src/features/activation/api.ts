import type { ActivationView } from '../../../../shared/onboarding';
import { portalFetch } from '../../api/client';
import { ApiError, errorFrom } from '../../api/errors';

async function call<T>(method: 'GET' | 'POST', token: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await portalFetch(`/api/activation/${encodeURIComponent(token)}`, {
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

export const openActivation = (token: string) => call<ActivationView>('GET', token);
export const activate = (token: string, password: string) => call<unknown>('POST', token, { password });
