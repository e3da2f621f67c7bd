import { changeLocale } from '../shared/auth';
import { LOCALES, t, useLocale, type Locale } from '../shared/i18n';

// Each language is named in its own language (an autonym), so these are not translated.
const AUTONYMS: Record<Locale, string> = { en: 'EN', th: 'ไทย' };

export function LanguageSwitch({ dark = false }: { dark?: boolean }) {
  const locale = useLocale();
  return (
    <div class={`segmented ${dark ? 'segmented-dark' : ''}`} role="group" aria-label={t('Language')}>
      {LOCALES.map((l) => (
        <button
          type="button"
          key={l}
          lang={l}
          data-raw=""
          class={l === locale ? 'on' : ''}
          aria-pressed={l === locale}
          data-testid={`lang-${l}`}
          onClick={() => void changeLocale(l)}
        >
          {AUTONYMS[l]}
        </button>
      ))}
    </div>
  );
}
