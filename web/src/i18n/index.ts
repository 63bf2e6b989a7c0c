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

type StaffMessages = (typeof import('../features/staff/messages/en'))['default'];

/**
 * The staff areas' messages live in their own catalogues under the staff feature, so the build
 * puts them in staff-only (`role-*`) chunks: an employee's phone never downloads them, and the
 * first load carries only what everyone sees. They merge into the main catalogue.
 */
const staffLoaders: Record<Locale, () => Promise<{ default: StaffMessages }>> = {
  en: () => import('../features/staff/messages/en'),
  'zh-CN': () => import('../features/staff/messages/zh-CN'),
  'zh-TW': () => import('../features/staff/messages/zh-TW'),
};
const staffMerged = new Set<Locale>();
let staffWanted = false;

async function mergeStaffMessages(locale: Locale): Promise<void> {
  if (staffMerged.has(locale)) return;
  i18n.global.mergeLocaleMessage(locale, (await staffLoaders[locale]()).default);
  staffMerged.add(locale);
}

/**
 * Loads the staff areas' messages (English as the fallback, and the current language): call for
 * someone who holds a staff permission, and before a staff page opens. Later language switches
 * bring theirs along.
 */
export async function loadStaffMessages(): Promise<void> {
  staffWanted = true;
  const current = i18n.global.locale.value as Locale;
  await Promise.all([mergeStaffMessages('en'), mergeStaffMessages(current)]);
}

/** Switches the UI language, loading its messages first; `remember` keeps the choice for next time. */
export async function setLocale(locale: Locale, remember: boolean): Promise<void> {
  if (locale !== 'en' && !i18n.global.availableLocales.includes(locale)) {
    const messages = await loaders[locale]();
    i18n.global.setLocaleMessage(locale, messages.default);
  }
  // Offline, the staff messages of a new language may not load: the switch still happens, and
  // English (merged already) stands in for them.
  if (staffWanted) await mergeStaffMessages(locale).catch(() => undefined);
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  if (remember) rememberLocale(locale);
}
