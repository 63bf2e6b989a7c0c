import type { RouteRecordRaw } from 'vue-router';

// Lazy: only HR ever downloads this area.
export const hrRoutes: RouteRecordRaw[] = [
  {
    path: '/hr',
    name: 'hr',
    component: () => import('./views/HrPeopleView.vue'),
    meta: { roles: ['hr'], title: 'hr.title', tile: 'hr.tile' },
  },
];
