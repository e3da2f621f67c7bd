// The portal's own small catalog: only the messages src/portal uses (scripts/po2json.mjs writes portal.<lang>.json),
// bound to the shared language store and formatters. Nothing of the staff app's text is bundled.
import en from '../generated/portal.en.json';
import th from '../generated/portal.th.json';
import { makeTranslator } from '../shared/format';

export * from '../shared/format';

export const { t, tn } = makeTranslator({ en, th });
