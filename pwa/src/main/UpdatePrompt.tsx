import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useRegisterSW } from 'virtual:pwa-register/preact';
import { t } from '../shared/i18n';
import { Icon } from './icons';

const HOUR = 60 * 60 * 1000;

/** Tells the user when a new version is ready, and lets them choose when to switch.
 *
 * A notice never covers a control: in the signed-in app it sits above the bottom bar and the page keeps room for
 * it at its end (the --notice-space the shell's padding adds), so whatever is under it scrolls clear; on the
 * sign-in screen (`inline`) it takes its own place at the top of the page instead of floating over the form. */
export function UpdatePrompt({ inline = false }: { inline?: boolean }) {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      // Look for a new version every hour while the app stays open.
      if (registration) setInterval(() => void registration.update().catch(() => undefined), HOUR);
    },
  });
  const box = useRef<HTMLDivElement>(null);

  // "Ready to work offline" is good news, not a question: it goes away by itself.
  useEffect(() => {
    if (!offlineReady || needRefresh) return;
    const id = setTimeout(() => setOfflineReady(false), 5000);
    return () => clearTimeout(id);
  }, [offlineReady, needRefresh]);

  const showing = needRefresh || offlineReady;
  // the room the page keeps at its end for a floating notice, set before the browser paints the notice (a layout
  // effect), so there is no frame in which it covers the page's last control
  useLayoutEffect(() => {
    const root = document.documentElement.style;
    const el = box.current;
    if (!showing || inline || !el) {
      root.removeProperty('--notice-space');
      return;
    }
    const measure = () => root.setProperty('--notice-space', `${el.offsetHeight + 16}px`);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
      root.removeProperty('--notice-space');
    };
  }, [showing, inline]);

  if (!showing) return null;
  return (
    <div
      ref={box}
      class={`toast ${inline ? 'toast-inline' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="update-prompt"
      data-kind={needRefresh ? 'update' : 'offline-ready'}
    >
      <p class="toast-text">
        <Icon name={needRefresh ? 'sync' : 'check'} size={20} />
        <span>{needRefresh ? t('A new version of MotoTrack is available.') : t('MotoTrack is ready to work offline.')}</span>
      </p>
      <div class="toast-actions">
        {needRefresh && (
          <button type="button" class="btn btn-primary" onClick={() => void updateServiceWorker(true)}>
            {t('Update now')}
          </button>
        )}
        <button
          type="button"
          class="btn btn-ghost-dark"
          data-testid="update-prompt-dismiss"
          onClick={() => {
            setNeedRefresh(false);
            setOfflineReady(false);
          }}
        >
          {needRefresh ? t('Later') : t('OK')}
        </button>
      </div>
    </div>
  );
}
