import type { RouteRecordRaw } from 'vue-router';
import { STAFF_ROLES } from '../../../../shared/roles';

// Lazy: only help-desk staff and admins ever download this area.
export const staffRoutes: RouteRecordRaw[] = [
  {
    path: '/staff',
    name: 'staff',
    component: () => import('./views/StaffSearchView.vue'),
    meta: { roles: STAFF_ROLES, title: 'staff.title', tile: 'staff.tile' },
  },
  {
    path: '/staff/users/:username',
    name: 'staff-person',
    component: () => import('./views/StaffPersonView.vue'),
    props: true,
    meta: { roles: STAFF_ROLES, title: 'staff.personTitle' },
  },
];
