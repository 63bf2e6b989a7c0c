import type { RouteRecordRaw } from 'vue-router';

// Lazy: opened now and then, and it brings the password feedback and (on demand) the passkey code.
export const accountRoutes: RouteRecordRaw[] = [
  {
    path: '/account/security',
    name: 'account-security',
    component: () => import('./views/AccountSecurityView.vue'),
    meta: { title: 'security.title' },
  },
];
