/** The languages kept offline: the person's UI language, plus English (most articles exist in English). */
export function offlineLocales(uiLocale: string): string[] {
  return uiLocale === 'en' ? ['en'] : [uiLocale, 'en'];
}
