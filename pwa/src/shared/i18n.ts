// Strings come from the backend's Babel catalogs (msgctxt "pwa"), turned into JSON at build time by
// scripts/po2json.mjs, so they are bundled with the app shell and work offline. The English msgid is the key.
import en from '../generated/messages.en.json';
import th from '../generated/messages.th.json';
import { createStore, useStore } from './store';

export type Locale = 'en' | 'th';
export const LOCALES: readonly Locale[] = ['en', 'th'];

type Catalog = Record<string, string | string[]>;
const catalogs: Record<Locale, Catalog> = { en, th };
const STORAGE_KEY = 'mototrack.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'th') return saved;
  } catch {
    /* storage may be unavailable (private mode); fall through */
  }
  return navigator.language?.toLowerCase().startsWith('th') ? 'th' : 'en';
}

export const localeStore = createStore<Locale>(initialLocale());
document.documentElement.lang = localeStore.get();

export function getLocale(): Locale {
  return localeStore.get();
}

/** Changes the display language and remembers it on this device. */
export function setLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* ignore */
  }
  document.documentElement.lang = locale;
  localeStore.set(locale);
}

/** Normalises a server locale value ("TH", "th", "th-TH") to one the app knows, or null. */
export function toLocale(value: string | null | undefined): Locale | null {
  const v = (value ?? '').toLowerCase().slice(0, 2);
  return v === 'en' || v === 'th' ? v : null;
}

function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, key: string) => (key in params ? String(params[key]) : m));
}

/** Translates an English msgid; `{name}` placeholders are filled from params. */
export function t(msgid: string, params?: Record<string, string | number>): string {
  const found = catalogs[localeStore.get()][msgid];
  const text = typeof found === 'string' && found ? found : Array.isArray(found) ? found[0] ?? msgid : msgid;
  return interpolate(text, params);
}

/** Plural-aware translation; `{count}` is filled with n. Thai has one form, English two. */
export function tn(singular: string, plural: string, n: number, params?: Record<string, string | number>): string {
  const locale = localeStore.get();
  const found = catalogs[locale][singular];
  let text: string;
  if (Array.isArray(found) && found.length) {
    const index = locale === 'th' ? 0 : n === 1 ? 0 : 1;
    text = found[Math.min(index, found.length - 1)] || (n === 1 ? singular : plural);
  } else {
    text = n === 1 ? singular : plural;
  }
  return interpolate(text, { count: n, ...params });
}

/** Re-renders the calling component when the language changes. */
export function useLocale(): Locale {
  return useStore(localeStore);
}
