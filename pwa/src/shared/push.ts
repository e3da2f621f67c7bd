// Web push for staff: ask permission, subscribe with the server's VAPID key, and register the subscription through
// the API (registerPushSubscription) for the signed-in user. The service worker side is src/sw/push.ts.
import { authedGraphql } from './auth';

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

interface RegisterResult {
  registerPushSubscription: { ok: boolean; errors: { field: string | null; code: string; message: string }[] };
}

function keyBytes(base64url: string): Uint8Array {
  const padded = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(padded);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function supported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

// The browser's push service (e.g. FCM for Chrome) can be out of reach: then subscribe() neither answers nor fails.
const SUBSCRIBE_TIMEOUT = 15_000;

/** subscribe() or a timeout error; a subscription that arrives too late is dropped (the server never heard of it). */
function withinTime(pending: Promise<PushSubscription>): Promise<PushSubscription> {
  let late = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      late = true;
      reject(new Error('The push service did not answer'));
    }, SUBSCRIBE_TIMEOUT);
    pending.then(
      (subscription) => {
        clearTimeout(timer);
        if (late) void subscription.unsubscribe().catch(() => undefined);
        else resolve(subscription);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Whether this browser receives the signed-in user's notifications. */
export async function pushState(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return (await currentSubscription()) ? 'on' : 'off';
}

/** Asks permission, subscribes and registers; returns the resulting state (a push service that fails or does not
 * answer, and errors from the API, are thrown). */
export async function enablePush(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  const { vapidPublicKey } = await authedGraphql<{ vapidPublicKey: string }>('query VapidPublicKey { vapidPublicKey }');
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await withinTime(
      registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(vapidPublicKey) as BufferSource,
      }),
    ));
  const json = subscription.toJSON();
  const result = await authedGraphql<RegisterResult>(
    `mutation RegisterPushSubscription($input: RegisterPushSubscriptionInput!) {
      registerPushSubscription(input: $input) { ok errors { field code message } } }`,
    { input: { endpoint: subscription.endpoint, p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } },
  );
  const { ok, errors } = result.registerPushSubscription;
  if (!ok) throw new Error(errors.map((e) => e.message).join(' ') || 'registerPushSubscription failed');
  return 'on';
}

/** Stops notifications on this browser: unregisters on the server, then unsubscribes locally. */
export async function disablePush(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const subscription = await currentSubscription();
  if (subscription) {
    await authedGraphql(
      `mutation UnregisterPushSubscription($input: UnregisterPushSubscriptionInput!) {
        unregisterPushSubscription(input: $input) { ok errors { code message } } }`,
      { input: { endpoint: subscription.endpoint } },
    );
    await subscription.unsubscribe();
  }
  return 'off';
}
