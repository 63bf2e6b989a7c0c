import type { RouteRecordRaw } from 'vue-router';

// Lazy: only admins ever download this area.
export const adminRoutes: RouteRecordRaw[] = [
  {
    path: '/admin',
    name: 'admin',
    component: () => import('./views/AdminView.vue'),
    meta: { roles: ['admin'], title: 'admin.title', tile: 'admin.tile' },
  },
];
