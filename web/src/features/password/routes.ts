import type { RouteRecordRaw } from 'vue-router';

// Lazy and public: a locked-out person is not signed in, and most people never open these.
export const passwordRoutes: RouteRecordRaw[] = [
  {
    path: '/forgot',
    name: 'forgot',
    component: () => import('./views/PasswordHelpView.vue'),
    meta: { public: true, title: 'forgot.title' },
  },
  {
    // The help desk's reset link: `/reset#token=…` (a fragment, so the token reaches no server log or Referer).
    path: '/reset',
    name: 'reset-link',
    component: () => import('./views/PasswordHelpView.vue'),
    props: { fromLink: true },
    meta: { public: true, title: 'resetLink.title' },
  },
];
