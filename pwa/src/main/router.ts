// A small hash router: `#/jobs/42` -> the screen whose path pattern is `jobs/:id`, with params { id: '42' }.
// Hash routes keep every screen a plain navigation to index.html, so the service worker's shell serves them offline.
import { createStore, useStore } from '../shared/store';

function currentPath(): string {
  return decodeURIComponent(location.hash.replace(/^#\/?/, '')).replace(/\/+$/, '');
}

export const routeStore = createStore<string>(currentPath());
window.addEventListener('hashchange', () => routeStore.set(currentPath()));

export function useRoute(): string {
  return useStore(routeStore);
}

/** Goes to a path (without `#/`); `replace` keeps the history entry (for redirects). */
export function navigate(path: string, replace = false): void {
  const hash = `#/${path}`;
  if (replace) {
    history.replaceState(history.state, '', hash);
    routeStore.set(currentPath());
  } else {
    location.hash = hash;
  }
}

/** The params when `path` matches `pattern` (`jobs/:id`), else null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = got[i];
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function href(path: string): string {
  return `#/${path}`;
}
