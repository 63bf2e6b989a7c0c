import type { RouteRecordRaw } from 'vue-router';

// Lazy, like every staff area: only people holding its permission ever download it.
export const adminRoutes: RouteRecordRaw[] = [
  {
    path: '/admin',
    name: 'admin',
    component: () => import('./views/AdminView.vue'),
    meta: { permission: 'settings.read', title: 'admin.title', tile: 'admin.tile' },
  },
  {
    path: '/admin/scim-tokens',
    name: 'admin-scim-tokens',
    component: () => import('./views/ScimTokensView.vue'),
    meta: { permission: 'scim.manage', title: 'admin.scim.title', tile: 'admin.scim.tile' },
  },
];
