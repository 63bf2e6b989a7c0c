import { computed, type ComputedRef } from 'vue';
import { useRouter } from 'vue-router';
import { can } from '../../../shared/permissions';
import { useSessionStore } from '../features/auth/store';

export interface Area {
  name: string;
  path: string;
  /** i18n key of the area's title. */
  title: string;
  /** i18n key of the one-line description on the home tile. */
  description: string;
}

/**
 * The work areas the signed-in person may open, read from the routes themselves (meta.tile,
 * meta.permission) and the one permission map, so the home tiles, the menu and the route guard
 * always agree with each other and with the server.
 */
export function useAreas(): ComputedRef<Area[]> {
  const router = useRouter();
  const session = useSessionStore();
  return computed(() => {
    const roles = session.me?.roles ?? [];
    return router
      .getRoutes()
      .filter((r) => r.meta.tile && r.meta.title && r.meta.permission && can(roles, r.meta.permission))
      .map((r) => ({ name: String(r.name), path: r.path, title: r.meta.title!, description: r.meta.tile! }));
  });
}
