import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { accountRoutes } from '../features/account/routes';
import { activationRoutes } from '../features/activation/routes';
import { adminRoutes } from '../features/admin/routes';
import { approvalsRoutes } from '../features/approvals/routes';
import { authRoutes } from '../features/auth/routes';
import { demoRoutes } from '../features/demo/routes';
import { homeRoutes } from '../features/home/routes';
import { fulfilRoutes } from '../features/fulfil/routes';
import { hrRoutes } from '../features/hr/routes';
import { onboardingRoutes } from '../features/onboarding/routes';
import { notificationsRoutes } from '../features/notifications/routes';
import { inventoryRoutes } from '../features/inventory/routes';
import { kbAuthoringRoutes } from '../features/kb-authoring/routes';
import { kbRoutes } from '../features/kb/routes';
import { passwordRoutes } from '../features/password/routes';
import { requestsRoutes } from '../features/requests/routes';
import { staffRoutes } from '../features/staff/routes';
import { teamRoutes } from '../features/team/routes';
import { installGuards } from './guards';
import NotAllowedView from './views/NotAllowedView.vue';
import NotFoundView from './views/NotFoundView.vue';

const RELOADED_KEY = 'portal.reloaded-for';

const appRoutes: RouteRecordRaw[] = [
  // Both catch-alls share a pattern: a typed URL always matches `not-found` (declared first);
  // `not-allowed` is only reached by name, from the guard, keeping the URL the person asked for.
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView, meta: { public: true, title: 'notFound.title' } },
  { path: '/:pathMatch(.*)*', name: 'not-allowed', component: NotAllowedView, meta: { title: 'notAllowed.title' } },
];

export function createPortalRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      ...authRoutes,
      ...passwordRoutes,
      ...activationRoutes,
      ...homeRoutes,
      ...accountRoutes,
      ...requestsRoutes,
      ...approvalsRoutes,
      ...fulfilRoutes,
      ...notificationsRoutes,
      ...teamRoutes,
      ...kbAuthoringRoutes,
      ...kbRoutes,
      ...staffRoutes,
      ...inventoryRoutes,
      ...hrRoutes,
      ...onboardingRoutes,
      ...adminRoutes,
      ...demoRoutes,
      ...appRoutes,
    ],
    // Only the query or #section changed (typing a search, a table-of-contents link): stay where
    // the person is; the page that changed it scrolls itself if it needs to.
    scrollBehavior: (to, from, saved) => saved ?? (to.path === from.path && from.matched.length > 0 ? false : { top: 0 }),
  });
  installGuards(router);
  router.onError((error: unknown, to) => {
    // A lazy area failed to load. Online, that means a new release replaced its file: load the
    // page afresh (once). Offline, stay put: the offline banner already says why.
    const message = error instanceof Error ? error.message : '';
    const chunkFailed = /dynamically imported module|Importing a module script failed/i.test(message);
    if (!chunkFailed || !navigator.onLine || sessionStorage.getItem(RELOADED_KEY) === to.fullPath) return;
    sessionStorage.setItem(RELOADED_KEY, to.fullPath);
    window.location.assign(to.fullPath);
  });
  return router;
}
