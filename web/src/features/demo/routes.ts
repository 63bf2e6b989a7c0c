import type { RouteRecordRaw } from 'vue-router';

// Lazy and public: people trying the demo read their reset codes here (the server answers only in demo mode).
export const demoRoutes: RouteRecordRaw[] = [
  {
    path: '/demo/mailbox',
    name: 'demo-mailbox',
    component: () => import('./views/DemoMailboxView.vue'),
    meta: { public: true, title: 'demoMailbox.title' },
  },
];
