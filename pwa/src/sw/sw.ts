/// <reference lib="webworker" />
// The service worker: precaches the versioned app shell (Workbox, manifest injected at build) and serves
// index.html for navigations so the app opens offline. GraphQL is never cached or replayed here: the app's
// own IndexedDB outbox decides what a failure means, because GraphQL failures come back as HTTP 200.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { setCacheNameDetails } from 'workbox-core';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

setCacheNameDetails({ prefix: 'mototrack', suffix: 'v1' });

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Navigations (SPA routes) get the precached shell; server paths are left to the network.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/graphql/, /^\/healthz/, /^\/files\//, /^\/feeds?\//, /^\/api\//, /^\/portal-api\//],
  }),
);

// The page asks before a new version takes over (the update prompt), so nothing changes mid-task.
self.addEventListener('message', (event) => {
  if (event.data && (event.data as { type?: string }).type === 'SKIP_WAITING') void self.skipWaiting();
});
