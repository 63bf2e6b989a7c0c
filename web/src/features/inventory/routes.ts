import type { RouteRecordRaw } from 'vue-router';

// The help desk's stock: lazy, like every staff area (inventory.manage).
const meta = { permission: 'inventory.manage' } as const;

export const inventoryRoutes: RouteRecordRaw[] = [
  {
    path: '/inventory',
    name: 'inventory',
    component: () => import('./views/AssetsView.vue'),
    meta: { ...meta, title: 'inventory.title', tile: 'inventory.tile' },
  },
  {
    path: '/inventory/assets/new',
    name: 'inventory-asset-new',
    component: () => import('./views/AssetFormView.vue'),
    meta: { ...meta, title: 'inventory.addAsset' },
  },
  {
    path: '/inventory/assets/:tag',
    name: 'inventory-asset',
    component: () => import('./views/AssetView.vue'),
    props: true,
    meta: { ...meta, title: 'inventory.assetTitle' },
  },
  {
    path: '/inventory/models',
    name: 'inventory-models',
    component: () => import('./views/ModelsView.vue'),
    meta: { ...meta, title: 'inventory.modelsTitle' },
  },
  {
    path: '/inventory/models/new',
    name: 'inventory-model-new',
    component: () => import('./views/ModelFormView.vue'),
    meta: { ...meta, title: 'inventory.addModel' },
  },
  {
    path: '/inventory/models/:id',
    name: 'inventory-model',
    component: () => import('./views/ModelFormView.vue'),
    props: true,
    meta: { ...meta, title: 'inventory.editModel' },
  },
  {
    path: '/inventory/import',
    name: 'inventory-import',
    component: () => import('./views/ImportView.vue'),
    meta: { ...meta, title: 'inventory.importTitle' },
  },
];
