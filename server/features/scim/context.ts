import type { Kysely } from 'kysely';
import type { AuditTrail } from '../../audit/audit.js';
import type { Database } from '../../db/schema.js';
import { DirectoryUnavailableError, type Directory } from '../../directory/port.js';
import type { RoleGroups } from '../../directory/roles.js';
import type { Clock } from '../../platform/clock.js';
import type { SessionService } from '../../sessions/service.js';

/** A hire SCIM asks for: a user sent with `active: false` and the portal extension's start date. */
export interface ScimHireRequest {
  givenName: string;
  familyName: string;
  personalEmail: string;
  startDate: string;
  timeZone: string;
  department: string | null;
  title: string | null;
  /** Username of the manager. */
  manager: string | null;
  location: string | null;
  role: string | null;
}

/** What onboarding made of a hire: the username its pattern chose, and the names it keeps. */
export interface ScimHire {
  username: string;
  displayName: string;
}

/**
 * The onboarding path for a future hire (the onboarding service's createHire). Optional so SCIM
 * works without it: a hire request then gets a clear 501 instead of an account that would never wake up.
 */
export interface ScimOnboarding {
  /**
   * Records the hire; its directory account is created disabled by a queued job moments later and
   * woken on the start date. `createdBy` is the admin who made the calling token.
   */
  createHire(request: ScimHireRequest, caller: ScimCaller): Promise<ScimHire>;
}

export interface ScimDeps {
  db: Kysely<Database>;
  clock: Clock;
  directory: Directory;
  audit: AuditTrail;
  sessions: SessionService;
  /** Absolute base of the SCIM endpoints, e.g. https://portal.example.com/scim/v2 (for meta.location). */
  baseUrl: string;
  onboarding: ScimOnboarding | null;
  /** Which directory groups grant portal roles: SCIM leaves those groups and their members alone. */
  roleGroups: RoleGroups;
  /** How long one directory call may take inside a SCIM request before the client is told 503. */
  directoryTimeoutMs?: number;
}

/** Who is calling: the token, by name, is the actor in the audit trail. */
export interface ScimCaller {
  tokenId: string;
  tokenName: string;
  /** The admin who created the token (onboarding records hires as theirs). */
  createdBy: string;
}

export const actorOf = (caller: ScimCaller) => `scim:${caller.tokenName}`;

/**
 * Directory writes run inside the SCIM request, not on the job queue: Okta and Entra need the
 * outcome (the new id, a uniqueness conflict) in the answer, and retry on a 5xx by themselves.
 * A call that hangs is cut off after a few seconds and answered 503, so a slow directory costs
 * the client a retry rather than a held connection. (Mail is never sent here: onboarding queues it.)
 */
export async function inline<T>(deps: ScimDeps, work: Promise<T>): Promise<T> {
  const ms = deps.directoryTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DirectoryUnavailableError(`the directory did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
