/// <reference lib="webworker" />
// The service worker: precaches the versioned app shell (Workbox, manifest injected at build) and serves
// index.html for navigations so the app opens offline. GraphQL is never cached or replayed here: the app's
// own IndexedDB outbox decides what a failure means, because GraphQL failures come back as HTTP 200.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { setCacheNameDetails } from 'workbox-core';
import './push'; // web push and notification clicks (owned by the notifications work)

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

setCacheNameDetails({ prefix: 'mototrack', suffix: 'v1' });

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Navigations (SPA routes) get the precached shell; server paths are left to the network.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [
      /^\/graphql/, /^\/healthz/, /^\/readyz/, /^\/files\//, /^\/feeds?\//, /^\/api\//, /^\/portal-api\//, /^\/p\//, /^\/portal\//,
      // server pages and downloads opened from mail, SMS or a button: signed PDFs, exports, unsubscribe, provider hooks
      /^\/documents\//, /^\/exports\//, /^\/unsubscribe/, /^\/hooks\//,
      // the guides built with the app (scripts/api-docs.mjs, scripts/help-docs.mjs): static pages of the server
      /^\/docs(\/|$)/, /^\/help(\/|$)/,
    ],
  }),
);

// Background Sync: the page registers the tag "mototrack-outbox" when it queues a change. When the browser sees the
// network again it wakes this worker, which asks the open pages to drain their outbox (the page holds the access
// token and the rules for conflicts and refusals). With no page open nothing is sent now; the app drains the outbox
// as soon as it is opened again, so the queued changes are kept, never dropped.
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}
self.addEventListener('sync', ((event: SyncEvent) => {
  if (event.tag !== 'mototrack-outbox') return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: 'DRAIN_OUTBOX' });
    }),
  );
}) as EventListener);

// The first install takes the open page at once, so it works offline from the first visit. (A new version still
// waits for the user: it activates only after SKIP_WAITING, and the page reloads then.)
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The page asks before a new version takes over (the update prompt), so nothing changes mid-task.
self.addEventListener('message', (event) => {
  if (event.data && (event.data as { type?: string }).type === 'SKIP_WAITING') void self.skipWaiting();
});
