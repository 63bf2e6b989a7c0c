/** Time, injected so tests can move it (token expiry, session idle time, rate-limit windows). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
