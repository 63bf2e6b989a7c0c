import type { RouteRecordRaw } from 'vue-router';

// The help desk's stock: lazy, like every staff area. Each route names its permission literally,
// so the build can tell staff areas apart (web/build/staff-areas.ts).

export const inventoryRoutes: RouteRecordRaw[] = [
  {
    path: '/inventory',
    name: 'inventory',
    component: () => import('./views/AssetsView.vue'),
    meta: { permission: 'inventory.manage', title: 'inventory.title', tile: 'inventory.tile' },
  },
  {
    path: '/inventory/assets/new',
    name: 'inventory-asset-new',
    component: () => import('./views/AssetFormView.vue'),
    meta: { permission: 'inventory.manage', title: 'inventory.addAsset' },
  },
  {
    path: '/inventory/assets/:tag',
    name: 'inventory-asset',
    component: () => import('./views/AssetView.vue'),
    props: true,
    meta: { permission: 'inventory.manage', title: 'inventory.assetTitle' },
  },
  {
    path: '/inventory/models',
    name: 'inventory-models',
    component: () => import('./views/ModelsView.vue'),
    meta: { permission: 'inventory.manage', title: 'inventory.modelsTitle' },
  },
  {
    path: '/inventory/models/new',
    name: 'inventory-model-new',
    component: () => import('./views/ModelFormView.vue'),
    meta: { permission: 'inventory.manage', title: 'inventory.addModel' },
  },
  {
    path: '/inventory/models/:id',
    name: 'inventory-model',
    component: () => import('./views/ModelFormView.vue'),
    props: true,
    meta: { permission: 'inventory.manage', title: 'inventory.editModel' },
  },
  {
    path: '/inventory/import',
    name: 'inventory-import',
    component: () => import('./views/ImportView.vue'),
    meta: { permission: 'inventory.manage', title: 'inventory.importTitle' },
  },
];
