import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { VitePWA } from 'vite-plugin-pwa';
import { precompress } from './web/build/precompress.js';
import { STAFF_CHUNK_PREFIX, staffAreas } from './web/build/staff-areas.js';

/** Staff and HR areas, told apart by the permissions their routes declare (see web/build/staff-areas.ts). */
const staff = staffAreas();

/**
 * vue-i18n reads these compile-time flags; defining them drops the legacy API and devtools
 * hooks from the bundle. (A plugin, because `define` belongs to the shared part of this file.)
 */
function vueI18nFlags(): Plugin {
  return {
    name: 'portal:vue-i18n-flags',
    config: () => ({
      define: {
        __VUE_I18N_FULL_INSTALL__: 'false',
        __VUE_I18N_LEGACY_API__: 'false',
        __INTLIFY_PROD_DEVTOOLS__: 'false',
        __INTLIFY_JIT_COMPILATION__: 'false',
        __INTLIFY_DROP_MESSAGE_COMPILER__: 'true',
      },
    }),
  };
}

// One config for the web build (vite) and every test (vitest projects).
// The web app lives in web/ and builds to dist/web, which the Hono server serves.
export default defineConfig({
  root: 'web',
  // `npm run dev` serves the web app with hot reload; the API runs beside it from its sources (`npm run dev:api`).
  server: { proxy: { '/api': 'http://localhost:3000' } },
  plugins: [
    vue({ features: { optionsAPI: false, prodDevtools: false, prodHydrationMismatchDetails: false } }),
    vueI18nFlags(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/pwa',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      // Added to the precache next to the manifest icons; JS, CSS and HTML come from globPatterns.
      includeAssets: ['favicon.svg', 'favicon-32.png', 'apple-touch-icon.png'],
      injectManifest: {
        // A classic script: registered without `type: 'module'`, so every browser can run it.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html}'],
        // Staff-only chunks: an employee's phone must never download them.
        globIgnores: [`**/${STAFF_CHUNK_PREFIX}*`],
      },
      manifest: {
        id: '/',
        name: 'Employee IT Portal',
        short_name: 'IT Portal',
        description: 'Reset your password, unlock your account, request devices and find answers.',
        lang: 'en',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#1d4ed8',
        background_color: '#ffffff',
        categories: ['business', 'productivity', 'utilities'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
    staff.plugin,
    precompress(),
  ],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Browsers from 2021 on; lets the output keep native async/await and optional chaining.
    target: 'es2021',
    // One stylesheet (about 2 KB gzipped): no extra CSS requests when opening an area, and no
    // staff-area CSS files for the service worker to tell apart.
    cssCodeSplit: false,
    rollupOptions: {
      output: {
        chunkFileNames: staff.chunkFileNames,
      },
    },
  },
  test: {
    root: '.',
    projects: [
      {
        test: {
          name: 'unit',
          // Groups run one after another: unit, then integration (services), then e2e (browsers).
          sequence: { groupOrder: 0 },
          root: '.',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          root: '.',
          include: ['tests/integration/**/*.test.ts', 'tests/directory/**/*.test.ts', 'tests/inventory/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/harness/services.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          // What a person waits for (a reset writes argon2id hashes, checks history, sends mail) can
          // take more than vitest's 1 s default on a busy 2-core machine; a real failure still fails.
          expect: { poll: { timeout: 10_000, interval: 100 } },
          root: '.',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/harness/e2e.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each file launches one Chromium; two cores carry two at once.
          maxWorkers: 2,
        },
      },
    ],
  },
});
