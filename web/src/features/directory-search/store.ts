import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DirectoryPerson } from '../../../../shared/people';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';

/** Finding people in the directory by name, username or email (help desk, HR, admins). */
export const useDirectorySearch = defineStore('directory-search', () => {
  /** The query the current results answer. */
  const query = ref('');
  const results = ref<DirectoryPerson[]>([]);
  const loading = ref(false);
  const error = ref<unknown>(null);
  let latest = 0;

  async function search(text: string): Promise<void> {
    const ticket = ++latest;
    loading.value = true;
    error.value = null;
    try {
      const { users } = await okJson(api.directory.users.$get({ query: { query: text } }));
      // A slow answer to an older query must not overwrite a newer one.
      if (ticket !== latest) return;
      results.value = users;
      query.value = text;
    } catch (failure) {
      if (ticket === latest) error.value = failure;
    } finally {
      if (ticket === latest) loading.value = false;
    }
  }

  return { query, results, loading, error, search };
});
