import type { RouteRecordRaw } from 'vue-router';

// Lazy, like every staff area. Everyone the server lets search people may use this page (HR, help desk, admins).
export const hrRoutes: RouteRecordRaw[] = [
  {
    path: '/hr',
    name: 'hr',
    component: () => import('./views/HrPeopleView.vue'),
    meta: { permission: 'people.search', title: 'hr.title', tile: 'hr.tile' },
  },
];
