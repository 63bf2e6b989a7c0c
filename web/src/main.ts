// First, so component styles (collected after it) can build on the base rules.
import './common/styles/base.css';
import './common/styles/controls.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { whenSessionLost } from './api/client';
import App from './app/App.vue';
import { usePortalInfo } from './app/portal-info';
import { createPortalRouter } from './app/router';
import { useSessionStore } from './features/auth/store';
import { installOfflineKb } from './features/kb/offline/boot';
import { i18n, setLocale } from './i18n';
import { preferredLocale } from './i18n/locales';

async function start(): Promise<void> {
  const app = createApp(App);
  app.use(createPinia()).use(i18n);
  // Ask early: the header's demo badge and the sign-in page's demo list wait on this answer.
  void usePortalInfo().load();
  // Before the first paint, so a Chinese reader never sees English flash by.
  await setLocale(preferredLocale(), false);
  const router = createPortalRouter();
  app.use(router);

  const session = useSessionStore();
  whenSessionLost(() => {
    const wasSignedIn = session.me !== null;
    session.clear();
    const current = router.currentRoute.value;
    // During the first session check the guard decides where to go; afterwards we send the person to sign in.
    if (wasSignedIn && !current.meta.public) {
      void router.replace({ name: 'sign-in', query: { redirect: current.fullPath, expired: '1' } });
    }
  });

  // Give the browser a breath between setting up and the first render: two shorter tasks
  // instead of one long one keep the page responsive on slow phones.
  await new Promise((resolve) => setTimeout(resolve, 0));
  app.mount('#app');

  // The service worker (and workbox-window) load after the page is up: not on the critical path.
  const register = () => {
    // A first visit may sign in before the worker takes over: once it does, the profile is asked
    // for again through it, so it can answer offline.
    void import('./pwa/register').then((pwa) => pwa.registerServiceWorker(() => void session.recheck()));
    // The offline knowledge base follows whoever is signed in, in their language.
    installOfflineKb(session, i18n.global.locale);
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

void start();
