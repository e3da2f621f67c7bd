import { t } from '../shared/i18n';
import { Logo } from './Logo';

export function Splash() {
  return (
    <div class="splash" role="status" aria-live="polite">
      <Logo size={64} />
      <p>{t('Loading…')}</p>
    </div>
  );
}
