import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../../api/errors';
import { kbApi } from './api';
import type { KbArticle, KbCategory, KbSearchFilters, KbSearchResult } from './types';

/** The network is gone (or the server unreachable): answer from this device's copy instead. */
const unreachable = (failure: unknown) => failure instanceof ApiError && failure.code === 'network';
const deviceCopy = () => import('./offline/fallback');

function sameResults(shown: KbSearchResult[], answer: KbSearchResult[]): boolean {
  return shown.length === answer.length && shown.every((r, i) => JSON.stringify(r) === JSON.stringify(answer[i]));
}

/**
 * The knowledge base as a reader sees it. Search and the article fetch are one action each, so
 * the offline layer can answer them from the local index and copy when the network is gone.
 */
export const useKbStore = defineStore('kb', () => {
  /** Results of the latest query only: an older answer arriving late never replaces them. */
  const results = ref<KbSearchResult[]>([]);
  /** The query (and filters) the results answer; null before the first search. */
  const resultsFor = ref<{ query: string; filters: KbSearchFilters } | null>(null);
  const searching = ref(false);
  const searchError = ref<unknown>(null);

  const categories = ref<KbCategory[]>([]);

  /** The results (or the article) shown came from this device's offline copy, not the server. */
  const fromDevice = ref(false);

  const article = ref<KbArticle | null>(null);
  const articleLoading = ref(false);
  const articleError = ref<unknown>(null);

  let inFlight: AbortController | null = null;
  let latest = 0;

  /** Searches; a newer call cancels this one (its request is aborted and its answer ignored). */
  async function search(query: string, filters: KbSearchFilters = {}): Promise<void> {
    inFlight?.abort();
    const mine = new AbortController();
    inFlight = mine;
    const ticket = ++latest;
    const text = query.trim();
    if (!text) {
      results.value = [];
      resultsFor.value = null;
      searchError.value = null;
      searching.value = false;
      return;
    }
    searching.value = true;
    searchError.value = null;
    try {
      let answer: KbSearchResult[];
      let offline = !navigator.onLine;
      try {
        answer = offline ? [] : (await kbApi.search(text, filters, mine.signal)).results;
      } catch (failure) {
        if (!unreachable(failure)) throw failure;
        offline = true;
        answer = [];
      }
      if (offline) answer = await (await deviceCopy()).searchOnDevice(text, filters);
      if (ticket !== latest) return;
      // The same answer again (the same query re-run, or a prefix that finds the same articles): keep
      // the list as it is, so a link the person is about to click is not re-rendered under the pointer.
      if (!sameResults(results.value, answer)) results.value = answer;
      fromDevice.value = offline;
      resultsFor.value = { query: text, filters: { ...filters } };
    } catch (failure) {
      if (ticket !== latest || mine.signal.aborted) return;
      searchError.value = failure;
    } finally {
      if (ticket === latest) {
        searching.value = false;
        inFlight = null;
      }
    }
  }

  /** The categories published articles use, for the filter and the page before anything is typed. Never throws. */
  async function loadCategories(): Promise<void> {
    try {
      categories.value = (await kbApi.categories()).categories;
    } catch {
      // Without them the filter offers "All categories" only; search still works.
    }
  }

  /** Opens an article by slug (the server counts the view). */
  async function loadArticle(slug: string): Promise<void> {
    articleLoading.value = true;
    articleError.value = null;
    if (article.value?.slug !== slug) article.value = null;
    try {
      try {
        article.value = await kbApi.article(slug);
        fromDevice.value = false;
      } catch (failure) {
        // Offline: the copy on this device, if it keeps this article; else the network error stands.
        const copy = unreachable(failure) ? await (await deviceCopy()).articleOnDevice(slug) : null;
        if (!copy) throw failure;
        article.value = copy;
        fromDevice.value = true;
      }
    } catch (failure) {
      articleError.value = failure;
    } finally {
      articleLoading.value = false;
    }
  }

  /** "Did this help?"; the comment is optional. Throws so the form can show the error in place. */
  async function sendFeedback(id: number, helpful: boolean, comment?: string): Promise<void> {
    await kbApi.feedback(id, helpful, comment?.trim() || undefined);
  }

  return {
    results,
    resultsFor,
    fromDevice,
    searching,
    searchError,
    categories,
    article,
    articleLoading,
    articleError,
    search,
    loadCategories,
    loadArticle,
    sendFeedback,
  };
});
