import { useState } from 'preact/hooks';
import { signOut } from '../shared/auth';
import { t } from '../shared/i18n';
import { roleLabel } from '../shared/roles';
import type { User } from '../shared/types';
import { LanguageSwitch } from './LanguageSwitch';
import { Logo } from './Logo';
import { OnlineBadge } from './OnlineBadge';
import { SyncBadge } from './SyncBadge';
import { NotifyToggle } from './NotifyToggle';
import { outboxStore } from '../shared/outbox';

export function Header({ user }: { user: User }) {
  const [leaving, setLeaving] = useState(false);
  return (
    <header class="topbar">
      <div class="topbar-row">
        <div class="who">
          <Logo size={32} />
          <div class="who-text">
            <span class="who-name" data-testid="user-name" data-raw="">
              {user.name}
            </span>
            <span class="who-sub">
              <span data-testid="user-role">{roleLabel(user.role)}</span>
              {user.garage?.name && (
                <>
                  <span aria-hidden="true"> · </span>
                  <span data-testid="garage-name" data-raw="">{user.garage.name}</span>
                </>
              )}
            </span>
          </div>
        </div>
        <OnlineBadge />
      </div>
      <div class="topbar-row topbar-sync">
        <SyncBadge />
      </div>
      <div class="topbar-row">
        <LanguageSwitch dark />
        <NotifyToggle />
        <button
          type="button"
          class="btn btn-ghost-dark"
          data-testid="sign-out"
          disabled={leaving}
          onClick={() => {
            const waiting = outboxStore.get().length;
            // Nothing a user entered is lost silently: unsent changes are dropped only when they say so.
            if (
              waiting &&
              !window.confirm(
                t('Changes not yet sent to the server: {count}. Sign out and discard them?', { count: waiting }),
              )
            )
              return;
            setLeaving(true);
            void signOut(true);
          }}
        >
          {t('Sign out')}
        </button>
      </div>
    </header>
  );
}
