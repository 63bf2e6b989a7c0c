import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { rememberChallenge as rememberSecret, takeChallenge as takeSecret } from '../../one-time-secrets/service.js';
import type { PasswordDeps } from '../password/deps.js';
import { findPasskey, insertPasskey, listPasskeys, updatePasskeyUse } from './repository.js';

// WebAuthn passkeys, verified by @simplewebauthn/server. Challenges are one-time secrets like codes.

function relyingParty(deps: PasswordDeps) {
  return { rpID: deps.publicUrl.hostname, origin: deps.publicUrl.origin, rpName: `${deps.companyName} IT Portal` };
}

async function rememberChallenge(deps: PasswordDeps, username: string, challenge: string, flowIdHash: string | null): Promise<void> {
  await rememberSecret(deps, { username, challenge, flowIdHash });
}

/** Consumes the challenge the browser signed, if it is one we issued to this person (and flow). */
async function takeChallenge(deps: PasswordDeps, username: string, challenge: string, flowIdHash?: string): Promise<boolean> {
  return takeSecret(deps, { username, challenge, flowIdHash });
}

export async function passkeyRegistrationOptions(deps: PasswordDeps, username: string, displayName: string) {
  const rp = relyingParty(deps);
  const existing = await listPasskeys(deps.db, username);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: username,
    userDisplayName: displayName,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await rememberChallenge(deps, username, options.challenge, null);
  return options;
}

export async function registerPasskey(deps: PasswordDeps, username: string, response: unknown, name: string): Promise<boolean> {
  const rp = relyingParty(deps);
  let challenge: string | null = null;
  try {
    const result = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: (c) => ((challenge = c), true),
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: false,
    });
    if (!result.verified || !challenge || !(await takeChallenge(deps, username, challenge))) return false;
    const { credential } = result.registrationInfo;
    await insertPasskey(deps.db, {
      credential_id: credential.id,
      username,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports?.join(',') ?? null,
      name,
      created_at: deps.clock.now(),
      last_used_at: null,
    });
    return true;
  } catch (error) {
    deps.logger.info({ err: (error as Error).message }, 'passkey registration refused');
    return false;
  }
}

/**
 * Options for a reset's passkey step. They list no credentials (the browser offers the passkeys it
 * holds for this site): a list would tell anyone who starts a flow whether, and how many, passkeys
 * a login has, and whether it exists at all. The assertion is still checked against this person's
 * passkeys only.
 */
export async function passkeyAuthenticationOptions(deps: PasswordDeps, username: string, flowIdHash: string) {
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(deps).rpID,
    userVerification: 'preferred',
  });
  await rememberChallenge(deps, username, options.challenge, flowIdHash);
  return options;
}

export async function verifyPasskeyAssertion(
  deps: PasswordDeps,
  username: string,
  flowIdHash: string,
  assertion: Record<string, unknown>,
): Promise<boolean> {
  const response = assertion as unknown as AuthenticationResponseJSON;
  if (typeof response.id !== 'string') return false;
  const passkey = await findPasskey(deps.db, response.id);
  if (!passkey || passkey.username !== username) return false;
  const rp = relyingParty(deps);
  let challenge: string | null = null;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: (c) => ((challenge = c), true),
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: { id: passkey.credential_id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: Number(passkey.counter) },
      requireUserVerification: false,
    });
    if (!result.verified || !challenge || !(await takeChallenge(deps, username, challenge, flowIdHash))) return false;
    await updatePasskeyUse(deps.db, passkey.credential_id, result.authenticationInfo.newCounter, deps.clock.now());
    return true;
  } catch (error) {
    deps.logger.info({ err: (error as Error).message }, 'passkey assertion refused');
    return false;
  }
}
