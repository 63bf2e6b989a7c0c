/**
 * Cache names shared by the service worker and the page. The page deletes the session cache
 * on sign-out so a shared phone shows nobody's profile offline afterwards.
 */
export const SESSION_CACHE = 'portal-session-v1';
