/**
 * Where to go after signing in: the page the person wanted, if it is a path inside this app.
 * Anything else (absolute URLs, `//host`, back-slashes, control characters that browsers
 * strip to turn `/\t/host` into `//host`) is an open-redirect attempt and goes home instead.
 */
export function safeRedirect(wanted: unknown): string {
  if (typeof wanted !== 'string' || !wanted.startsWith('/')) return '/';
  if (wanted.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(wanted)) return '/';
  if (wanted === '/sign-in' || wanted.startsWith('/sign-in?')) return '/';
  return wanted;
}
