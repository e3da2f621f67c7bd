import { createStore, useStore } from './store';

/** Whether the browser reports a network connection. */
export const onlineStore = createStore<boolean>(navigator.onLine);
window.addEventListener('online', () => onlineStore.set(true));
window.addEventListener('offline', () => onlineStore.set(false));

export function useOnline(): boolean {
  return useStore(onlineStore);
}
