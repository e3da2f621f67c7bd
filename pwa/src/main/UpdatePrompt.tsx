import { useEffect } from 'preact/hooks';
import { useRegisterSW } from 'virtual:pwa-register/preact';
import { t } from '../shared/i18n';

const HOUR = 60 * 60 * 1000;

/** Tells the user when a new version is ready, and lets them choose when to switch. */
export function UpdatePrompt() {
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

  // "Ready to work offline" is good news, not a question: it goes away by itself.
  useEffect(() => {
    if (!offlineReady || needRefresh) return;
    const id = setTimeout(() => setOfflineReady(false), 5000);
    return () => clearTimeout(id);
  }, [offlineReady, needRefresh]);

  if (!needRefresh && !offlineReady) return null;
  return (
    <div class="toast" role="status" aria-live="polite" data-testid="update-prompt">
      <p>{needRefresh ? t('A new version of MotoTrack is available.') : t('MotoTrack is ready to work offline.')}</p>
      <div class="toast-actions">
        {needRefresh && (
          <button type="button" class="btn btn-primary" onClick={() => void updateServiceWorker(true)}>
            {t('Update now')}
          </button>
        )}
        <button
          type="button"
          class="btn btn-ghost-dark"
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
