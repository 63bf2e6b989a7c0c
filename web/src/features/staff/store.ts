import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../../api/client';
import { okJson, type OkBody } from '../../api/errors';

/** A directory record with account state, as the help desk sees it. */
export type AccountRecord = OkBody<Awaited<ReturnType<(typeof api.directory.users)[':username']['$get']>>>;

/** One person's account as the help desk looks it up (every lookup is audited by the server). */
export const useAccountLookup = defineStore('account-lookup', () => {
  const account = ref<AccountRecord | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);

  async function load(username: string): Promise<void> {
    loading.value = true;
    error.value = null;
    if (account.value?.user.username !== username) account.value = null;
    try {
      account.value = await okJson(api.directory.users[':username'].$get({ param: { username } }));
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  return { account, loading, error, load };
});
