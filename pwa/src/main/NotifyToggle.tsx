// "Allow notifications": web push on this device (the helpers live in shared/push.ts, loaded only when needed).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { PushState } from '../shared/push';

const load = () => import('../shared/push');

export function NotifyToggle() {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void load()
      .then((m) => m.pushState())
      .then(setState)
      .catch(() => setState('unsupported'));
  }, []);
  if (!state || state === 'unsupported') return null;
  const on = state === 'on';
  return (
    <button
      type="button"
      class="btn btn-ghost-dark"
      data-testid="notify-toggle"
      aria-pressed={on}
      disabled={busy || state === 'denied'}
      title={state === 'denied' ? t('Notifications are blocked in the browser settings.') : undefined}
      onClick={() => {
        setBusy(true);
        void load()
          .then((m) => (on ? m.disablePush() : m.enablePush()))
          .then(setState)
          .catch(() => undefined)
          .finally(() => setBusy(false));
      }}
    >
      {on ? t('Notifications on') : t('Allow notifications')}
    </button>
  );
}
