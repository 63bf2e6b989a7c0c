import { createI18n } from 'vue-i18n';
import { compileMessage } from './compile';
import { rememberLocale, type Locale } from './locales';
import en from './messages/en';

/** English ships in the entry chunk; the Chinese catalogues load on demand (and are precached for offline). */
const loaders: Record<Exclude<Locale, 'en'>, () => Promise<{ default: typeof en }>> = {
  'zh-CN': () => import('./messages/zh-CN'),
  'zh-TW': () => import('./messages/zh-TW'),
};

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en } as Record<Locale, typeof en>,
  messageCompiler: compileMessage,
  missingWarn: false,
  fallbackWarn: false,
});

/** Switches the UI language, loading its messages first; `remember` keeps the choice for next time. */
export async function setLocale(locale: Locale, remember: boolean): Promise<void> {
  if (locale !== 'en' && !i18n.global.availableLocales.includes(locale)) {
    const messages = await loaders[locale]();
    i18n.global.setLocaleMessage(locale, messages.default);
  }
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  if (remember) rememberLocale(locale);
}
