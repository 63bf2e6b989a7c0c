import { onScopeDispose, ref, watch, type Ref } from 'vue';
import type { PasswordRules, PolicyVerdict } from '../../../../shared/password';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';

/** Wait this long after the last keystroke before asking the server (its limit is 120 checks a minute). */
const DEBOUNCE_MS = 300;

/**
 * Live feedback on a new password from the server's own policy check, so the meter and the
 * problems shown are exactly what the final submit will say. Stale answers (for what was typed
 * before) are dropped. A failed check only means no live feedback: the submit checks again.
 */
export function usePolicyCheck(password: Ref<string>, flowId: () => string | null | undefined) {
  const verdict = ref<PolicyVerdict | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  async function check(value: string): Promise<void> {
    const ticket = ++latest;
    try {
      const answer = await okJson(api.password['policy-check'].$post({ json: { password: value, flowId: flowId() ?? undefined } }));
      if (ticket === latest && value === password.value) verdict.value = answer;
    } catch {
      // Offline or rate-limited: keep quiet; the rules stay on screen and the submit tells.
    }
  }

  watch(password, (value) => {
    clearTimeout(timer);
    latest++;
    if (!value) {
      verdict.value = null;
      return;
    }
    timer = setTimeout(() => void check(value), DEBOUNCE_MS);
  });
  onScopeDispose(() => clearTimeout(timer));

  return { verdict };
}

/** The rules to show before anyone types, when no reset flow brought them along. */
export async function fetchPasswordRules(): Promise<PasswordRules> {
  return okJson(api.password.policy.$get());
}
