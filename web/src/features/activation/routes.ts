import type { RouteRecordRaw } from 'vue-router';

// Public and lazy: the new hire opens it from the activation mail, before they can sign in.
export const activationRoutes: RouteRecordRaw[] = [
  {
    // `/activate#token=…` (a fragment, so the token reaches no server log or Referer). The path form
    // `/activate/<token>` is accepted too and taken out of the address bar at once.
    path: '/activate/:token?',
    name: 'activate',
    component: () => import('./views/ActivateView.vue'),
    meta: { public: true, title: 'activate.title' },
  },
];
