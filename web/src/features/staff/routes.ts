import type { RouteRecordRaw } from 'vue-router';

// Lazy, like every staff area: the help desk's view of accounts (lock status, actions for callers).
export const staffRoutes: RouteRecordRaw[] = [
  {
    path: '/staff',
    name: 'staff',
    component: () => import('./views/StaffSearchView.vue'),
    meta: { permission: 'people.read', title: 'staff.title', tile: 'staff.tile' },
  },
  {
    path: '/staff/users/:username',
    name: 'staff-person',
    component: () => import('./views/StaffPersonView.vue'),
    props: true,
    meta: { permission: 'people.read', title: 'staff.personTitle' },
  },
];
