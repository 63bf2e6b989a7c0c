import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router';
import { can, isStaffPermission, permissionsOf } from '../../../shared/permissions';
import { loadStaffMessages } from '../i18n';
import { useSessionStore } from '../features/auth/store';

/**
 * Shows the not-allowed page at the URL that was asked for. Runs before lazy route components
 * load, so a forbidden area's code is never downloaded.
 */
function notAllowed(to: RouteLocationNormalized): RouteLocationRaw {
  return { name: 'not-allowed', params: { pathMatch: to.path.slice(1).split('/') }, query: to.query, hash: to.hash };
}

/** Sign-in first for everything not public, then the route's permission. */
export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    const session = useSessionStore();
    await session.ensureResolved();
    if (to.name === 'sign-in' && session.me) return { path: '/', replace: true };
    if (to.meta.public) return true;
    if (!session.me) return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    if (to.meta.permission && !can(session.me.roles, to.meta.permission)) return notAllowed(to);
    // Staff people see staff tiles and menus from the home page on: their messages load with the
    // first page, and a staff page never opens before them. Offline the load fails; other pages
    // still open (staff pages are not kept offline anyway).
    if (permissionsOf(session.me.roles).some(isStaffPermission)) {
      const loading = loadStaffMessages().catch(() => undefined);
      if (to.meta.permission && isStaffPermission(to.meta.permission)) await loading;
    }
    return true;
  });
}
