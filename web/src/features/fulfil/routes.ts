import type { RouteRecordRaw } from 'vue-router';

// A staff area (lazy, never precached on an employee's phone), with the camera decoder in it.
// The hand-over page is reached by a full page load only: its HTML is the one the server sends
// with the camera allowed (server/http/security-headers.ts).
export const fulfilRoutes: RouteRecordRaw[] = [
  {
    path: '/fulfil',
    name: 'fulfil-queue',
    component: () => import('./views/FulfilQueueView.vue'),
    meta: { permission: 'inventory.manage', title: 'fulfil.queueTitle' },
  },
  {
    path: '/fulfil/:id',
    name: 'fulfil',
    component: () => import('./views/FulfilView.vue'),
    props: true,
    meta: { permission: 'inventory.manage', title: 'fulfil.title' },
  },
];
