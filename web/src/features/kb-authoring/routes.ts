import type { RouteRecordRaw } from 'vue-router';

// The help desk's side of the knowledge base: writing, versions and what people search for.
// Lazy, like every staff area; its code never reaches an employee's phone.
export const kbAuthoringRoutes: RouteRecordRaw[] = [
  {
    path: '/kb/manage',
    name: 'kb-manage',
    component: () => import('./views/KbManageView.vue'),
    meta: { permission: 'kb.edit', title: 'kbAuthor.manageTitle', tile: 'kbAuthor.tile' },
  },
  {
    path: '/kb/new',
    name: 'kb-new',
    component: () => import('./views/KbEditorView.vue'),
    meta: { permission: 'kb.edit', title: 'kbAuthor.newTitle' },
  },
  {
    path: '/kb/analytics',
    name: 'kb-analytics',
    component: () => import('./views/KbAnalyticsView.vue'),
    meta: { permission: 'kb.edit', title: 'kbAuthor.analyticsTitle' },
  },
  {
    path: '/kb/:slug/edit',
    name: 'kb-edit',
    component: () => import('./views/KbEditorView.vue'),
    props: true,
    meta: { permission: 'kb.edit', title: 'kbAuthor.editTitle' },
  },
];
