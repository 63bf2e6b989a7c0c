import type { RouteRecordRaw } from 'vue-router';

// HR's onboarding and offboarding: lazy, like every staff area. Each route names its permission
// literally, so the build can tell staff areas apart (web/build/staff-areas.ts). The list and a
// hire's checklist are readable by everyone the server shows them to (managers their future
// reports, the help desk every hire: `onboarding.read`); the rest is HR's. The fixed paths come
// before `/onboarding/:id`, so "new", "bundles" and "offboard" are never read as an id.
export const onboardingRoutes: RouteRecordRaw[] = [
  {
    path: '/onboarding',
    name: 'onboarding',
    component: () => import('./views/OnboardingView.vue'),
    meta: { permission: 'onboarding.read', title: 'onboarding.title', tile: 'onboarding.tile' },
  },
  {
    path: '/onboarding/new',
    name: 'onboarding-new',
    component: () => import('./views/NewHireView.vue'),
    meta: { permission: 'onboarding.manage', title: 'onboarding.newTitle' },
  },
  {
    path: '/onboarding/bundles',
    name: 'onboarding-bundles',
    component: () => import('./views/BundlesView.vue'),
    meta: { permission: 'onboarding.manage', title: 'onboarding.bundlesTitle' },
  },
  // "new" is a reserved bundle key (shared/onboarding.ts), so this path never hides a bundle.
  {
    path: '/onboarding/bundles/new',
    name: 'onboarding-bundle-new',
    component: () => import('./views/BundleEditView.vue'),
    meta: { permission: 'onboarding.manage', title: 'onboarding.newBundleTitle' },
  },
  {
    path: '/onboarding/bundles/:bundleKey',
    name: 'onboarding-bundle',
    component: () => import('./views/BundleEditView.vue'),
    props: true,
    meta: { permission: 'onboarding.manage', title: 'onboarding.editBundleTitle' },
  },
  {
    path: '/onboarding/offboard',
    name: 'offboarding-new',
    component: () => import('./views/OffboardView.vue'),
    meta: { permission: 'onboarding.manage', title: 'onboarding.offboardTitle' },
  },
  {
    path: '/onboarding/leavers/:id',
    name: 'offboarding',
    component: () => import('./views/LeaverView.vue'),
    props: true,
    meta: { permission: 'onboarding.manage', title: 'onboarding.leaverTitle' },
  },
  {
    path: '/onboarding/:id',
    name: 'onboarding-hire',
    component: () => import('./views/HireView.vue'),
    props: true,
    meta: { permission: 'onboarding.read', title: 'onboarding.hireTitle' },
  },
];
