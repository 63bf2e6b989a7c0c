import { useI18n } from 'vue-i18n';

/**
 * Categories are short keys ("network", "accounts"); the portal names the ones it knows in the
 * person's language and shows any other key as it is.
 */
export function useCategoryName(): (key: string) => string {
  const { t, te } = useI18n();
  return (key) => (te(`kb.categories.${key}`) || te(`kb.categories.${key}`, 'en') ? t(`kb.categories.${key}`) : key);
}
