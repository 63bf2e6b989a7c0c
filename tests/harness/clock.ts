import type { Clock } from '../../server/platform/clock.js';

/** A clock tests set and advance by hand (token expiry, session idle time, rate-limit windows). */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 24, 9, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
