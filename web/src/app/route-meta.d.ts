import type { Role } from '../../../shared/roles';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in (sign-in, not found). */
    public?: boolean;
    /** A signed-in person needs at least one of these roles; the server enforces the same. */
    roles?: readonly Role[];
    /** i18n key of the page title. */
    title?: string;
    /** Shown as a tile on the home page to people who hold `roles`: i18n key of the tile's description. */
    tile?: string;
  }
}

export {};
