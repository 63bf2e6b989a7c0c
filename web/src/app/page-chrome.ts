import { nextTick, watchEffect } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute, useRouter } from 'vue-router';

/**
 * What a screen-reader or keyboard user needs on each client-side navigation: a document title
 * naming the page (in the current language), and focus moved to the new page's content.
 */
export function usePageChrome(main: () => HTMLElement | null): void {
  const { t } = useI18n();
  const route = useRoute();
  const router = useRouter();

  watchEffect(() => {
    const app = t('app.name');
    document.title = route.meta.title ? `${t(route.meta.title)} · ${app}` : app;
  });

  router.afterEach((to, from, failure) => {
    // Not on the first load (the browser handles that), nor when only the query changed.
    if (failure || from.matched.length === 0 || to.path === from.path) return;
    void nextTick(() => main()?.focus({ preventScroll: true }));
  });
}
