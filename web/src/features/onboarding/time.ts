// Times on the onboarding screens: a start or a last day happens in the person's own zone, and HR
// (perhaps elsewhere) needs both that and their own clock.

/** Every IANA zone this browser knows, with the browser's own (and UTC) included even where the list leaves them out. */
export function knownZones(): string[] {
  const zones = new Set(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []);
  zones.add(browserZone());
  zones.add('UTC');
  return [...zones].sort();
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A moment as a reader in `zone` sees it (date and time), in the reader's language. */
export function formatIn(iso: string | null | undefined, zone: string | undefined, locale: string): string {
  if (!iso) return '';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(when);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(when);
  }
}

/** A calendar day (YYYY-MM-DD) in words, without shifting it through any zone. */
export function formatDay(day: string, locale: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

/** Today's date (YYYY-MM-DD) on this device. */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}
