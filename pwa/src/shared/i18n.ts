// Strings come from the backend's Babel catalogs (msgctxt "pwa"), turned into JSON at build time by
// scripts/po2json.mjs, so they are bundled with the app shell and work offline. The English msgid is the key.
// The language, interpolation and the formatting of numbers, money and dates are in format.ts (shared with the portal).
import en from '../generated/messages.en.json';
import th from '../generated/messages.th.json';
import { makeTranslator } from './format';

export * from './format';

export const { t, tn } = makeTranslator({ en, th });
