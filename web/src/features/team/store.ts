import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DirectoryPerson } from '../../../../shared/people';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';

/** A manager's direct reports, as the directory lists them. */
export const useTeamStore = defineStore('team', () => {
  const reports = ref<DirectoryPerson[]>([]);
  const loading = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      reports.value = (await okJson(api.team.$get())).reports;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  return { reports, loading, error, load };
});
