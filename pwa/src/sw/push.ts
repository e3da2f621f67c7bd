/// <reference lib="webworker" />
// Web push in the service worker: show the server's message ({title, body, url, tag}) and open the app on a click.
declare const self: ServiceWorkerGlobalScope;

interface PushMessage {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
}

function read(event: PushEvent): PushMessage {
  try {
    return (event.data?.json() as PushMessage | undefined) ?? {};
  } catch {
    return { body: event.data?.text() ?? '' };
  }
}

self.addEventListener('push', (event: PushEvent) => {
  const message = read(event);
  event.waitUntil(
    self.registration.showNotification(message.title || 'MotoTrack', {
      body: message.body ?? '',
      tag: message.tag,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: message.url || '/' },
    }),
  );
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const target = new URL((event.notification.data as { url?: string } | null)?.url ?? '/', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (clients) => {
      for (const client of clients) {
        if (new URL(client.url).origin === self.location.origin) {
          await client.focus();
          if ('navigate' in client) await (client as WindowClient).navigate(target);
          return;
        }
      }
      await self.clients.openWindow(target);
    }),
  );
});

export {};
