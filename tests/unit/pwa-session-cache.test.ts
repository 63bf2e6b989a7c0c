import { describe, expect, it } from 'vitest';
import {
  answerEndsSession,
  currentTagOf,
  isPersonalApiPath,
  isPublicApiPath,
  offlineCopyUsable,
  PERSONAL_API_PATHS,
  personalCacheName,
  personalCachesToDrop,
  PUBLIC_CACHE,
  sessionMetaFrom,
  tagOfCache,
} from '../../web/src/pwa/session-cache.js';

const A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const B = 'ffeeddccbbaa99887766554433221100';
const PRECACHE = 'workbox-precache-v2-http://localhost/';

describe('which API answers are personal', () => {
  it('binds /api/me (and anything listed below it) to the session, and keeps /api/info public', () => {
    expect(PERSONAL_API_PATHS).toContain('/api/me');
    expect(isPersonalApiPath('/api/me')).toBe(true);
    expect(isPersonalApiPath('/api/me/devices')).toBe(true);
    expect(isPersonalApiPath('/api/info')).toBe(false);
    expect(isPublicApiPath('/api/info')).toBe(true);
    expect(isPublicApiPath('/api/me')).toBe(false);
  });

  it('does not mistake look-alike paths for listed ones', () => {
    expect(isPersonalApiPath('/api/meeting')).toBe(false);
    expect(isPersonalApiPath('/api')).toBe(false);
    expect(isPublicApiPath('/api/information')).toBe(false);
  });
});

describe('cache names', () => {
  it('names a personal cache for its session and reads the tag back', () => {
    expect(tagOfCache(personalCacheName(A))).toBe(A);
    expect(tagOfCache(PUBLIC_CACHE)).toBeNull();
    expect(tagOfCache(PRECACHE)).toBeNull();
  });

  it('refuses anything that is not a session tag, so a cache name can never be steered', () => {
    for (const bad of ['', 'short', '../../etc', `${A}/x`, 'x'.repeat(65)]) expect(() => personalCacheName(bad)).toThrow();
    expect(tagOfCache('portal-personal-not a tag')).toBeNull();
  });
});

describe('dropping personal copies', () => {
  const names = [PRECACHE, PUBLIC_CACHE, 'portal-session-v1', personalCacheName(A), personalCacheName(B), 'portal-personal-junk'];

  it('keeps only the current session’s copies, the shell and public answers', () => {
    expect(personalCachesToDrop(names, A).sort()).toEqual(['portal-personal-junk', 'portal-session-v1', personalCacheName(B)].sort());
  });

  it('drops every personal copy, and the old unbound profile cache, when no session is live', () => {
    expect(personalCachesToDrop(names, null).sort()).toEqual(
      ['portal-personal-junk', 'portal-session-v1', personalCacheName(A), personalCacheName(B)].sort(),
    );
    expect(personalCachesToDrop([PRECACHE, PUBLIC_CACHE], null)).toEqual([]);
  });

  it('knows the current session only when exactly one has copies', () => {
    expect(currentTagOf([PRECACHE, personalCacheName(A)])).toBe(A);
    expect(currentTagOf([PRECACHE, PUBLIC_CACHE])).toBeNull();
    expect(currentTagOf([personalCacheName(A), personalCacheName(B)])).toBeNull();
  });
});

describe('when an offline copy may be shown', () => {
  it('records the end of the session on the worker’s own clock', () => {
    expect(sessionMetaFrom({ tag: A, liveForMs: 1_800_000 }, 1_000)).toEqual({ tag: A, endsAt: 1_801_000 });
    for (const bad of [null, 'x', { tag: A }, { tag: 'no', liveForMs: 5 }, { tag: A, liveForMs: -1 }, { tag: A, liveForMs: Infinity }]) {
      expect(sessionMetaFrom(bad, 0)).toBeNull();
    }
  });

  it('only for its own session, and only while that session can still be alive', () => {
    const meta = { tag: A, endsAt: 10_000 };
    expect(offlineCopyUsable(meta, A, 9_999)).toBe(true);
    expect(offlineCopyUsable(meta, A, 10_000)).toBe(false);
    expect(offlineCopyUsable(meta, B, 5_000)).toBe(false);
    expect(offlineCopyUsable(null, A, 5_000)).toBe(false);
  });
});

describe('answers that end the session', () => {
  it('is any 401 and any sign-out, but not a wrong password at sign-in', () => {
    expect(answerEndsSession('GET', '/api/me', 401)).toBe(true);
    expect(answerEndsSession('POST', '/api/account/password', 401)).toBe(true);
    expect(answerEndsSession('POST', '/api/auth/logout', 204)).toBe(true);
    expect(answerEndsSession('post', '/api/auth/logout', 403)).toBe(true);
    expect(answerEndsSession('POST', '/api/auth/login', 401)).toBe(false);
    expect(answerEndsSession('GET', '/api/me', 200)).toBe(false);
    expect(answerEndsSession('GET', '/api/me', 403)).toBe(false);
  });
});
