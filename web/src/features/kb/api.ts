import { portalFetch } from '../../api/client';
import { ApiError, errorFrom } from '../../api/errors';
import type {
  KbAnalytics,
  KbArticle,
  KbArticleInput,
  KbArticleSummary,
  KbCategory,
  KbFeedbackAnswer,
  KbSearchAnswer,
  KbSearchFilters,
  KbVersion,
} from './types';

/**
 * The knowledge base's HTTP calls, in one place. Plain fetch through the portal's fetch (same
 * cookies, the same 401 and re-authentication handling as the typed client) because search needs
 * an AbortSignal, and the offline layer swaps these calls for reads of its local copy.
 */
async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await portalFetch(path, init);
  } catch (cause) {
    // An aborted request is not a failure anyone should see: the caller checks its signal.
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'Network request failed');
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const articlePath = (idOrSlug: string | number) => `/api/kb/articles/${encodeURIComponent(String(idOrSlug))}`;

export const kbApi = {
  search(query: string, filters: KbSearchFilters, signal?: AbortSignal): Promise<KbSearchAnswer> {
    const params = queryString({ q: query, locale: filters.locale, category: filters.category, limit: filters.limit ?? 20 });
    return call(`/api/kb/search${params}`, { signal });
  },
  categories(): Promise<{ categories: KbCategory[] }> {
    return call('/api/kb/categories');
  },
  /** One article by slug; the server counts the view. */
  article(slug: string): Promise<KbArticle> {
    return call(articlePath(slug));
  },
  create(input: KbArticleInput): Promise<KbArticle> {
    return call('/api/kb/articles', json('POST', input));
  },
  update(id: number, input: KbArticleInput): Promise<KbArticle> {
    return call(articlePath(id), json('PUT', input));
  },
  feedback(id: number, helpful: boolean, comment?: string): Promise<KbFeedbackAnswer> {
    return call(`${articlePath(id)}/feedback`, json('POST', comment ? { helpful, comment } : { helpful }));
  },
  /** Every saved version, newest first. */
  async versions(id: number): Promise<KbVersion[]> {
    const answer = await call<KbVersion[] | { versions: KbVersion[] }>(`${articlePath(id)}/versions`);
    return Array.isArray(answer) ? answer : answer.versions;
  },
  restore(id: number, version: number): Promise<KbArticle> {
    return call(`${articlePath(id)}/versions/${version}/restore`, json('POST', {}));
  },
  /** Every article, drafts and archived ones too, newest change first (editors only). */
  async list(filters: { status?: string; locale?: string; offset?: number; limit?: number }): Promise<KbArticleSummary[]> {
    const answer = await call<KbArticleSummary[] | { articles: KbArticleSummary[] }>(
      `/api/kb/articles${queryString({ status: filters.status, locale: filters.locale, offset: filters.offset, limit: filters.limit })}`,
    );
    return Array.isArray(answer) ? answer : answer.articles;
  },
  analytics(): Promise<KbAnalytics> {
    return call('/api/kb/analytics');
  },
};
