import { t } from '../shared/i18n';
import { useOnline } from '../shared/online';

export function OnlineBadge() {
  const online = useOnline();
  return (
    <span class={`badge ${online ? 'badge-online' : 'badge-offline'}`} role="status" data-testid="online-status">
      <span class="dot" aria-hidden="true" />
      {online ? t('Online') : t('Offline')}
    </span>
  );
}
