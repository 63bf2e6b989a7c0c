import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../../api/client';
import { okEmpty, okJson, type OkBody } from '../../api/errors';
import { createPasskey } from '../password/webauthn';

export type RecoveryProfile = OkBody<Awaited<ReturnType<typeof api.recovery.$get>>>;
export type TotpEnrolment = OkBody<Awaited<ReturnType<typeof api.recovery.totp.$post>>>;

/** The signed-in person's recovery profile: recovery email, authenticator app, passkeys. */
export const useRecoveryProfile = defineStore('recovery-profile', () => {
  const profile = ref<RecoveryProfile | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      profile.value = await okJson(api.recovery.$get());
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }

  /** Saves a personal address as pending and mails it a code. */
  async function addEmail(email: string): Promise<void> {
    await okJson(api.recovery.email.$post({ json: { email } }));
    await load();
  }

  async function confirmEmail(code: string): Promise<void> {
    profile.value = await okJson(api.recovery.email.confirm.$post({ json: { code } }));
  }

  async function removeEmail(): Promise<void> {
    await okEmpty(api.recovery.email.$delete());
    await load();
  }

  /** A new authenticator secret, pending until `confirmTotp` gets a first code from the app. */
  function beginTotp(): Promise<TotpEnrolment> {
    return okJson(api.recovery.totp.$post());
  }

  async function confirmTotp(code: string): Promise<void> {
    profile.value = await okJson(api.recovery.totp.confirm.$post({ json: { code } }));
  }

  async function removeTotp(): Promise<void> {
    await okEmpty(api.recovery.totp.$delete());
    await load();
  }

  /** Server options → the browser creates the passkey → the server checks and keeps it. */
  async function addPasskey(name: string): Promise<void> {
    const options = await okJson(api.recovery.passkeys.options.$post());
    const response = await createPasskey(options);
    profile.value = await okJson(api.recovery.passkeys.$post({ json: { response: response as unknown as Record<string, unknown>, name } }));
  }

  async function removePasskey(id: string): Promise<void> {
    await okEmpty(api.recovery.passkeys[':id'].$delete({ param: { id } }));
    await load();
  }

  return {
    profile,
    loading,
    error,
    load,
    addEmail,
    confirmEmail,
    removeEmail,
    beginTotp,
    confirmTotp,
    removeTotp,
    addPasskey,
    removePasskey,
  };
});
