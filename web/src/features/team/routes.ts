import type { RouteRecordRaw } from 'vue-router';

// Lazy, like every staff area: only people holding its permission ever download it (the guard stops everyone else first).
export const teamRoutes: RouteRecordRaw[] = [
  {
    path: '/team',
    name: 'team',
    component: () => import('./views/TeamView.vue'),
    meta: { permission: 'team.read', title: 'team.title', tile: 'team.tile' },
  },
];
