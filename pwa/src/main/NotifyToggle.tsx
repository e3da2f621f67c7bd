// "Allow notifications": web push on this device (the helpers live in shared/push.ts, loaded only when needed).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { PushState } from '../shared/push';

const load = () => import('../shared/push');

type Message = 'blocked' | 'enable-failed' | 'disable-failed';

export function NotifyToggle() {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  // What the user is told after a tap: blocked by the browser, or the push service / server failed. The app keeps
  // working either way; nothing is thrown past this component.
  const [message, setMessage] = useState<Message | null>(null);
  useEffect(() => {
    void load()
      .then((m) => m.pushState())
      .then(setState)
      .catch(() => setState('unsupported'));
  }, []);
  if (!state || state === 'unsupported') return null;
  const on = state === 'on';
  const denied = state === 'denied';
  const text =
    message === 'blocked'
      ? t('Notifications are blocked in the browser settings.')
      : message === 'enable-failed'
        ? t('Notifications could not be turned on for this device. Try again later.')
        : message === 'disable-failed'
          ? t('Notifications could not be turned off. Try again later.')
          : null;
  return (
    <>
      <button
        type="button"
        class="btn btn-ghost-dark"
        data-testid="notify-toggle"
        data-state={state}
        aria-pressed={on}
        aria-describedby={text ? 'notify-message' : undefined}
        disabled={busy}
        title={denied ? t('Notifications are blocked in the browser settings.') : undefined}
        onClick={() => {
          if (denied) {
            // Only the browser's site settings can undo a "Block": say so instead of doing nothing.
            setMessage('blocked');
            return;
          }
          setBusy(true);
          setMessage(null);
          void load()
            .then((m) => (on ? m.disablePush() : m.enablePush()))
            .then((next) => {
              setState(next);
              if (next === 'denied') setMessage('blocked');
            })
            .catch(() => setMessage(on ? 'disable-failed' : 'enable-failed'))
            .finally(() => setBusy(false));
        }}
      >
        {on ? t('Notifications on') : denied ? t('Notifications blocked') : t('Allow notifications')}
      </button>
      {text && (
        <p class="notice notice-error notify-message" id="notify-message" role="alert" data-testid="notify-message"
          data-kind={message}>
          <span>{text}</span>
          <button type="button" class="btn btn-ghost" data-testid="notify-message-close" onClick={() => setMessage(null)}>
            {t('OK')}
          </button>
        </p>
      )}
    </>
  );
}
