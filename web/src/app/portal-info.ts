import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { PortalInfo } from '../../../shared/auth';
import { api } from '../api/client';
import { okJson } from '../api/errors';

/** Public facts about this installation (demo mode, demo sign-ins), fetched once per page load. */
export const usePortalInfo = defineStore('portal-info', () => {
  const info = ref<PortalInfo | null>(null);
  let pending: Promise<void> | null = null;

  /** Never throws: without the answer the portal simply shows no demo hints. */
  function load(): Promise<void> {
    pending ??= okJson(api.info.$get()).then(
      (answer) => {
        info.value = answer;
      },
      () => {
        pending = null;
      },
    );
    return pending;
  }

  return { info, load };
});
