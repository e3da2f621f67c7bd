import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';
import { trustedDocuments } from './scripts/trusted-documents.mjs';

// The backend serves pwa/dist at / and GraphQL at /graphql on the same origin.
// In development, `npm run dev` proxies those paths to a running `mototrack serve`.
const api = process.env.MOTOTRACK_API ?? 'http://127.0.0.1:8000';

// The portal is a page for customers, not the installable staff app: it links no manifest.
const portalWithoutManifest: Plugin = {
  name: 'mototrack-portal-without-manifest',
  enforce: 'post',
  transformIndexHtml: {
    order: 'post',
    handler: (html, ctx) => (ctx.path.endsWith('/portal.html') ? html.replace(/<link rel="manifest"[^>]*>/g, '') : html),
  },
};

export default defineConfig({
  plugins: [
    preact(),
    trustedDocuments(), // <outDir>/trusted-documents.json: every operation the build sends, by hash
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      includeManifestIcons: false, // the glob below already precaches every icon
      manifest: {
        id: '/',
        name: 'MotoTrack',
        short_name: 'MotoTrack',
        description: 'Garage management: job cards, customers, parts and invoices.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#0f172a',
        background_color: '#f1f5f9',
        categories: ['business', 'productivity'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        globIgnores: ['portal.html', 'assets/portal-*'], // the customer portal is not part of the staff shell
      },
      devOptions: { enabled: false },
    }),
    portalWithoutManifest,
  ],
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // the staff app, and the customer portal: a second, light entry served at /p/... (src/portal, no staff code)
      input: { main: 'index.html', portal: 'portal.html' },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true },
      '/healthz': { target: api },
      // the PWA's unhandled errors (backend/ops/sentry.py), posted to the API like its requests
      '/client-errors': { target: api },
    },
  },
});
