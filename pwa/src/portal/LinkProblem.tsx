import { useEffect } from 'preact/hooks';
import { setLocale, t, toLocale } from './i18n';
import { LanguageSwitch } from './Portal';

interface Props {
  code: string;
  /** The refusal's extensions: the garage's name and phone, and the customer's language, when the server knows them. */
  extra: Record<string, unknown>;
  onRetry: () => void;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

/** An expired, revoked or broken link, or a page that could not load: what happened and whom to call. */
export function LinkProblem({ code, extra, onRetry }: Props) {
  const locale = toLocale(text(extra.locale));
  useEffect(() => {
    if (locale) setLocale(locale);
  }, [locale]);
  // a link that opens nothing says why; anything else (no network, a limit, a fault) can be tried again
  const link = code.startsWith('PORTAL_LINK_') || code === 'UNAUTHENTICATED';
  const offline = !link;
  const title =
    code === 'PORTAL_LINK_EXPIRED' ? t('This link has expired')
      : code === 'PORTAL_LINK_REVOKED' ? t('This link has been withdrawn')
        : link ? t('This link is not valid')
          : t('The page could not be loaded');
  const garage = { name: text(extra.garageName) ?? '', phone: text(extra.garagePhone) };
  return (
    <div class="p-page">
      <header class="p-bar">
        <div class="p-bar-in">
          <span class="p-garage-name">{garage.name || 'MotoTrack'}</span>
          <LanguageSwitch onSwitch={setLocale} />
        </div>
      </header>
      <main id="main" class="p-main">
        <section class="p-card p-problem" data-testid="portal-problem" data-code={code}>
          <h1 class="p-h1">{title}</h1>
          {offline ? (
            <>
              <p>{text(extra.message) ?? t('Check your connection and try again.')}</p>
              <button type="button" class="p-btn p-primary" onClick={onRetry}>{t('Try again')}</button>
            </>
          ) : (
            <p>{t('For a new link or any question about your vehicle, call the garage.')}</p>
          )}
          {garage.phone && (
            <a class="p-btn p-primary" href={`tel:${garage.phone}`} data-testid="portal-problem-call">
              {t('Call {phone}', { phone: garage.phone })}
            </a>
          )}
        </section>
      </main>
    </div>
  );
}
