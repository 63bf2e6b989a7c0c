import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { useDirectorySearch } from './store';

/**
 * A people search whose query lives in the URL (?q=), so going back from a person returns to the
 * same results. Shared by the help-desk and HR search pages.
 */
export function useUrlSearch() {
  const route = useRoute();
  const router = useRouter();
  const search = useDirectorySearch();

  const query = computed(() => (typeof route.query.q === 'string' ? route.query.q : ''));
  watch(query, (q) => void (q && q !== search.query && search.search(q)), { immediate: true });

  /** Searching again for the same text re-runs it; new text goes into the URL, which runs it. */
  function onSearch(q: string): void {
    if (q === query.value) void search.search(q);
    else void router.replace({ query: { q } });
  }

  return { query, search, onSearch };
}
