import type { Permission } from '../../../shared/permissions';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in (sign-in, not found). */
    public?: boolean;
    /**
     * A signed-in person needs this permission (shared/permissions.ts); the server guards its API
     * with the same one. A route whose permission employees lack is a staff area: its view must be
     * lazy-loaded, and the build keeps its code out of the service worker's precache.
     */
    permission?: Permission;
    /** i18n key of the page title. */
    title?: string;
    /** Shown as a tile on the home page (and in the menu) to people who may open it: i18n key of the tile's description. */
    tile?: string;
  }
}

export {};
