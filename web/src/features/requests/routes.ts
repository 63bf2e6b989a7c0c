import type { RouteRecordRaw } from 'vue-router';

// Lazy: every employee may open these, but not on every visit. `catalog.request` is an employee
// permission, so these stay out of the staff chunks and are precached for offline use.
export const requestsRoutes: RouteRecordRaw[] = [
  {
    path: '/catalog',
    name: 'catalog',
    component: () => import('./views/CatalogView.vue'),
    meta: { permission: 'catalog.request', title: 'catalog.title' },
  },
  {
    path: '/catalog/:modelId/request',
    name: 'request-new',
    component: () => import('./views/RequestFormView.vue'),
    props: true,
    meta: { permission: 'catalog.request', title: 'requestForm.titlePlain' },
  },
  {
    path: '/requests',
    name: 'requests',
    component: () => import('./views/MyRequestsView.vue'),
    meta: { permission: 'catalog.request', title: 'requests.title' },
  },
  // Open to anyone signed in: the requester, their approvers and the help desk (the server decides who may read it).
  {
    path: '/requests/:id',
    name: 'request',
    component: () => import('./views/RequestView.vue'),
    props: true,
    meta: { title: 'requests.requestTitle' },
  },
  {
    path: '/devices',
    name: 'devices',
    component: () => import('./views/DevicesView.vue'),
    meta: { permission: 'catalog.request', title: 'devices.title' },
  },
];
