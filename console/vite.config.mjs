// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The help-desk console: a static single page (no inline script), served under /console/. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No module-preload helper: nothing to preload, and nothing inline for the content security policy.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
