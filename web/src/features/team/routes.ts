import type { RouteRecordRaw } from 'vue-router';

// Lazy: only managers ever download this area (the guard stops everyone else first).
export const teamRoutes: RouteRecordRaw[] = [
  {
    path: '/team',
    name: 'team',
    component: () => import('./views/TeamView.vue'),
    meta: { roles: ['manager', 'admin'], title: 'team.title', tile: 'team.tile' },
  },
];
