// The language of the app and everything that follows it without the message catalogs: the chosen locale (a store),
// `{name}` interpolation, a translator over catalogs given to it, and numbers, money and dates. The staff app binds
// it to the whole PWA catalog (i18n.ts); the customer portal to its own small one, so neither carries the other's text.
import { createStore, useStore } from './store';

export type Locale = 'en' | 'th';
export const LOCALES: readonly Locale[] = ['en', 'th'];
export type Catalog = Record<string, string | string[]>;

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

export function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, key: string) => (key in params ? String(params[key]) : m));
}

/** t() and tn() over the given catalogs, in the current language. */
export function makeTranslator(catalogs: Record<Locale, Catalog>) {
  /** Translates an English msgid; `{name}` placeholders are filled from params. */
  function t(msgid: string, params?: Record<string, string | number>): string {
    const found = catalogs[localeStore.get()][msgid];
    const text = typeof found === 'string' && found ? found : Array.isArray(found) ? found[0] ?? msgid : msgid;
    return interpolate(text, params);
  }

  /** Plural-aware translation; `{count}` is filled with n. Thai has one form, English two. */
  function tn(singular: string, plural: string, n: number, params?: Record<string, string | number>): string {
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

  return { t, tn };
}

/** Re-renders the calling component when the language changes. */
export function useLocale(): Locale {
  return useStore(localeStore);
}

// ---- numbers, money and dates in the app's language (not the browser's) -----------------------------------------

/** The Intl locale of the app's language: Thai reads Buddhist-era years ("2 ธ.ค. 2569"), English the British way. */
export function intlLocale(locale: Locale = localeStore.get()): string {
  return locale === 'th' ? 'th-TH-u-ca-buddhist' : 'en-GB';
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(key: string, make: (locale: string) => Intl.NumberFormat): Intl.NumberFormat {
  const full = `${localeStore.get()}|${key}`;
  let f = numberFormats.get(full);
  if (!f) {
    f = make(intlLocale());
    numberFormats.set(full, f);
  }
  return f;
}

/** How many minor digits the currency has (2 for THB, GBP, INR; 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** 125050 THB -> "฿1,250.50" in the app's language; the symbol is always there, on every screen. */
export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (minor == null) return '—';
  const f = numberFormat(`money|${currency}`, (l) => {
    try {
      return new Intl.NumberFormat(l, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
    } catch {
      return new Intl.NumberFormat(l, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  });
  return f.format(minor / 10 ** minorDigits(currency));
}

/** A count or a distance, grouped in the app's language: 60000 -> "60,000". */
export function formatNumber(n: number | null | undefined, maxFractionDigits = 0): string {
  if (n == null || !Number.isFinite(n)) return '—';
  return numberFormat(`n|${maxFractionDigits}`, (l) => new Intl.NumberFormat(l, { maximumFractionDigits: maxFractionDigits })).format(n);
}

// Moments are shown in the garage's time zone (DESIGN: stored in UTC, shown in the garage's zone), which the
// signed-in user's garage names; auth.ts tells this module where to read it. Without one: this device's zone.
let timeZoneSource: () => string | null | undefined = () => undefined;
export function setTimeZoneSource(source: () => string | null | undefined): void {
  timeZoneSource = source;
}

function displayTimeZone(): string | undefined {
  const zone = timeZoneSource() || undefined;
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined; // a zone this browser does not know
  }
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const zone = options.timeZone ?? displayTimeZone();
  const full = `${localeStore.get()}|${key}|${zone ?? ''}`;
  let f = dateFormats.get(full);
  if (!f) {
    f = new Intl.DateTimeFormat(intlLocale(), zone ? { ...options, timeZone: zone } : options);
    dateFormats.set(full, f);
  }
  return f;
}

/** A calendar date ("2026-12-10") with its weekday, as "Thu 10 Dec" / "พฤ. 10 ธ.ค." (a date soon: no year). */
export function formatDay(iso: string | null | undefined): string {
  const [y, m, d] = (iso ?? '').slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return '—';
  return dateFormat('wd-utc', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A moment (ISO date-time) as "2 Dec 2026, 16:40" / "2 ธ.ค. 2569 16:40", in the garage's time zone; '' if none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return dateFormat('dt', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** A calendar date ("2026-11-21") as "21 Nov 2026" / "21 พ.ย. 2569"; a moment gives its day at the garage. '—' if none. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
  if (iso.length > 10) {
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? iso : dateFormat('d', options).format(at);
  }
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return iso;
  return dateFormat('d-utc', { ...options, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}
