import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

/**
 * Passkeys through @simplewebauthn/browser, loaded only when someone uses one: the library
 * stays out of the first load and out of every screen without a passkey button.
 */

/** Why a passkey ceremony ended without a credential, in words the page can translate. */
export type PasskeyFailure = 'unsupported' | 'cancelled' | 'exists' | 'failed';

export class PasskeyError extends Error {
  constructor(
    readonly reason: PasskeyFailure,
    cause?: unknown,
  ) {
    super(reason, { cause });
    this.name = 'PasskeyError';
  }
}

export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
}

function reasonOf(error: unknown): PasskeyFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') return 'exists';
  // The person closed the browser's prompt, or it timed out: nothing went wrong on our side.
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'NotAllowedError' || name === 'AbortError') return 'cancelled';
  return 'failed';
}

async function library() {
  if (!passkeysSupported()) throw new PasskeyError('unsupported');
  return import('@simplewebauthn/browser');
}

/** Asks the browser to sign the server's challenge with a passkey. */
export async function signWithPasskey(options: unknown): Promise<AuthenticationResponseJSON> {
  const { startAuthentication } = await library();
  try {
    return await startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
  } catch (error) {
    throw new PasskeyError(reasonOf(error), error);
  }
}

/** Asks the browser to create a passkey for this portal. */
export async function createPasskey(options: unknown): Promise<RegistrationResponseJSON> {
  const { startRegistration } = await library();
  try {
    return await startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON });
  } catch (error) {
    throw new PasskeyError(reasonOf(error), error);
  }
}
