// Which site a member of staff works at: the one they last chose on this device (remembered per user, so two
// people sharing a tablet each keep their own), else their home site from their user record, else the first.
import { authStore } from '../shared/auth';

export interface SiteRef {
  id: string;
}

const KEY = 'mototrack.site.';

function userId(): string | null {
  const auth = authStore.get();
  return auth.status === 'signedIn' ? auth.user.id : null;
}

export function homeSiteId(): string | null {
  const auth = authStore.get();
  return auth.status === 'signedIn' ? (auth.user.homeSite?.id ?? null) : null;
}

export function rememberedSite(): string | null {
  const id = userId();
  if (!id) return null;
  try {
    return localStorage.getItem(KEY + id);
  } catch {
    return null;
  }
}

export function rememberSite(siteId: string): void {
  const id = userId();
  if (!id) return;
  try {
    localStorage.setItem(KEY + id, siteId);
  } catch {
    /* private mode: the choice lasts for this visit */
  }
}

/** The site to show first from `sites`: remembered choice, home site, first one. */
export function chooseSite<T extends SiteRef>(sites: T[]): string | null {
  for (const wanted of [rememberedSite(), homeSiteId()]) {
    if (wanted && sites.some((s) => s.id === wanted)) return wanted;
  }
  return sites[0]?.id ?? null;
}
