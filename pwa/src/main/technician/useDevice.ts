// Hooks that read the device copy (IndexedDB) first and refresh it from the server when online.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api';
import { authStore } from '../../shared/auth';
import { onlineStore } from '../../shared/online';
import { useStore } from '../../shared/store';
import { cacheVersion } from '../../shared/workshop';

export function useUserId(): string {
  const auth = useStore(authStore);
  return auth.status === 'signedIn' ? auth.user.id : '';
}

/** Re-reads `read` whenever the device copy changes. */
export function useDeviceValue<T>(read: () => Promise<T>, deps: unknown[]): T | undefined {
  const version = useStore(cacheVersion);
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void read().then((v) => live && setValue(() => v));
    return () => {
      live = false;
    };
  }, [version, ...deps]);
  return value;
}

export type RefreshState = 'idle' | 'loading' | 'offline' | 'error';

/** Runs `refresh` now, when the network returns and when the tab becomes visible again. */
export function useRefresh(refresh: () => Promise<void>, deps: unknown[]): RefreshState {
  const [state, setState] = useState<RefreshState>('idle');
  useEffect(() => {
    let live = true;
    const run = () => {
      if (!onlineStore.get()) {
        setState('offline');
        return;
      }
      setState('loading');
      refresh()
        .then(() => live && setState('idle'))
        .catch((e: unknown) => live && setState(e instanceof ApiError && e.kind === 'network' ? 'offline' : 'error'));
    };
    run();
    const onVisible = () => document.visibilityState === 'visible' && run();
    window.addEventListener('online', run);
    window.addEventListener('offline', run);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      live = false;
      window.removeEventListener('online', run);
      window.removeEventListener('offline', run);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);
  return state;
}
