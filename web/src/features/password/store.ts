import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FlowView, VerificationMethod } from '../../../../shared/password';
import { api } from '../../api/client';
import { okJson } from '../../api/errors';
import { normalizeCode } from './codes';
import { signWithPasskey } from './webauthn';

/** What the person came for: a new password, or only their account unlocked. */
export type Intent = 'reset' | 'unlock';

/** Where the person is in the flow. `verify` is one method's screen; `finish` is the new password or the unlock. */
export type Step = 'identify' | 'methods' | 'verify' | 'finish' | 'done';

/**
 * One forgot-password (or unlock) flow, from "who are you" to done. Kept in a store, in memory
 * only, so a look at the demo mailbox and back does not lose the place; a reload starts over.
 * The flow id is a bearer secret: it is never written to storage or to the address bar.
 */
export const useResetFlow = defineStore('reset-flow', () => {
  const flowId = ref<string | null>(null);
  const login = ref('');
  const intent = ref<Intent>('reset');
  const view = ref<FlowView | null>(null);
  const method = ref<VerificationMethod | null>(null);
  const step = ref<Step>('identify');
  /** True right after a method was verified while more are needed, for the "one more way" note. */
  const justVerified = ref(false);
  /**
   * The server's passkey challenge, fetched when the passkey screen opens, so the button press
   * goes straight to the browser's prompt (Safari wants that prompt close to the tap).
   */
  let passkeyOptions: unknown = null;

  const flowParam = () => ({ flowId: flowId.value! });
  /** Methods still to try: the offered ones that are not verified yet. */
  const remaining = computed(() => view.value?.methods.filter((m) => !view.value!.verified.includes(m)) ?? []);

  function restart(): void {
    flowId.value = null;
    view.value = null;
    method.value = null;
    justVerified.value = false;
    passkeyOptions = null;
    step.value = 'identify';
  }

  async function load(): Promise<void> {
    view.value = await okJson(api.password.flows[':flowId'].$get({ param: flowParam() }));
  }

  function afterVerification(): void {
    method.value = null;
    justVerified.value = !view.value!.complete;
    step.value = view.value!.complete ? 'finish' : 'methods';
  }

  /** Starts a flow for a username or email. The answer is the same whether or not the account exists. */
  async function start(who: string, want: Intent): Promise<void> {
    restart();
    login.value = who;
    intent.value = want;
    flowId.value = (await okJson(api.password.forgot.$post({ json: { login: who } }))).flowId;
    await load();
    step.value = 'methods';
  }

  /** Exchanges a help-desk link's token for a flow in which the email counts as verified. */
  async function startFromLink(token: string): Promise<void> {
    restart();
    login.value = '';
    intent.value = 'reset';
    flowId.value = (await okJson(api.password.flows['from-link'].$post({ json: { token } }))).flowId;
    await load();
    afterVerification();
    justVerified.value = false;
  }

  /** Opens one method's screen; email sends its code right away. */
  async function choose(chosen: VerificationMethod): Promise<void> {
    justVerified.value = false;
    if (chosen === 'email') await sendEmailCode();
    if (chosen === 'passkey') passkeyOptions = await passkeyChallenge();
    method.value = chosen;
    step.value = 'verify';
  }

  async function sendEmailCode(): Promise<void> {
    await okJson(api.password.flows[':flowId'].challenge.$post({ param: flowParam(), json: { method: 'email' } }));
  }

  /** Checks a typed code (email, authenticator app or help desk). Throws ApiError `verification_failed` when wrong. */
  async function verifyCode(code: string): Promise<void> {
    const which = method.value;
    if (which !== 'email' && which !== 'totp' && which !== 'helpdesk_code') return;
    view.value = await okJson(
      api.password.flows[':flowId'].verify.$post({ param: flowParam(), json: { method: which, code: normalizeCode(code) } }),
    );
    afterVerification();
  }

  async function passkeyChallenge(): Promise<unknown> {
    const answer = await okJson(api.password.flows[':flowId'].challenge.$post({ param: flowParam(), json: { method: 'passkey' } }));
    return answer.passkeyOptions;
  }

  /** Lets the browser sign the server's challenge with a passkey, and sends the signature back. */
  async function verifyPasskey(): Promise<void> {
    const options = passkeyOptions ?? (await passkeyChallenge());
    // Each challenge is for one signature; a retry asks for a fresh one.
    passkeyOptions = null;
    const assertion = await signWithPasskey(options);
    view.value = await okJson(
      api.password.flows[':flowId'].verify.$post({
        param: flowParam(),
        json: { method: 'passkey', assertion: assertion as unknown as Record<string, unknown> },
      }),
    );
    afterVerification();
  }

  function backToMethods(): void {
    method.value = null;
    justVerified.value = false;
    step.value = 'methods';
  }

  /** Sets the new password. Throws ApiError `password_rejected` (with problems) when the rules say no. */
  async function reset(newPassword: string): Promise<void> {
    await okJson(api.password.flows[':flowId'].reset.$post({ param: flowParam(), json: { newPassword } }));
    flowId.value = null;
    step.value = 'done';
  }

  async function unlock(): Promise<void> {
    await okJson(api.password.flows[':flowId'].unlock.$post({ param: flowParam() }));
    flowId.value = null;
    step.value = 'done';
  }

  return {
    flowId,
    login,
    intent,
    view,
    method,
    step,
    justVerified,
    remaining,
    restart,
    start,
    startFromLink,
    choose,
    sendEmailCode,
    verifyCode,
    verifyPasskey,
    backToMethods,
    reset,
    unlock,
  };
});
