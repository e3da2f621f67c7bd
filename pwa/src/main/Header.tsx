// The header: who is signed in, the global search, the language switch and an account menu (notifications, sign
// out), then a line with the connection and sync state. At 360 px it keeps one row of controls a thumb can reach:
// long names are cut with an ellipsis, the search is an icon button that opens a full-width box.
import { useEffect, useRef, useState } from 'preact/hooks';
import { signOut } from '../shared/auth';
import { t, useLocale } from '../shared/i18n';
import { roleLabel } from '../shared/roles';
import type { User } from '../shared/types';
import { outboxStore } from '../shared/outbox';
import { Icon, PanelButton } from './icons';
import { LanguageSwitch } from './LanguageSwitch';
import { Logo } from './Logo';
import { NotifyToggle } from './NotifyToggle';
import { OnlineBadge } from './OnlineBadge';
import { GlobalSearch } from './search/GlobalSearch';
import { helpHref } from './help';
import { SyncBadge } from './SyncBadge';

function SignOutButton() {
  const [leaving, setLeaving] = useState(false);
  return (
    <button
      type="button"
      class="btn btn-ghost-dark menu-item"
      data-testid="sign-out"
      disabled={leaving}
      onClick={() => {
        const waiting = outboxStore.get().length;
        // Nothing a user entered is lost silently: unsent changes are dropped only when they say so.
        if (
          waiting &&
          !window.confirm(t('Changes not yet sent to the server: {count}. Sign out and discard them?', { count: waiting }))
        )
          return;
        setLeaving(true);
        void signOut(true);
      }}
    >
      <Icon name="signOut" size={20} />
      {t('Sign out')}
    </button>
  );
}

/** The account button and its menu: who you are, notifications on this device, sign out. */
function AccountMenu({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', onDown);
    };
  }, [open]);
  return (
    <div class="account" ref={box}>
      <PanelButton
        icon="account"
        label={t('Account menu')}
        open={open}
        controls="account-panel"
        testid="account-menu"
        onClick={() => setOpen(!open)}
      />
      <div class="account-panel" id="account-panel" data-testid="account-panel" hidden={!open}>
        <p class="account-name" data-raw="">
          {user.name}
        </p>
        <p class="muted small">
          {roleLabel(user.role)}
          {user.garage?.name && (
            <>
              {' · '}
              <span data-raw="">{user.garage.name}</span>
            </>
          )}
        </p>
        {user.email && (
          <p class="muted small break" data-raw="">
            {user.email}
          </p>
        )}
        <div class="account-actions">
          <NotifyToggle />
          <SignOutButton />
        </div>
      </div>
    </div>
  );
}

/** Keeps --topbar-h (the header's height) up to date: the side navigation sticks just under the header. */
function useTopbarHeight() {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const root = document.documentElement.style;
    const measure = () => root.setProperty('--topbar-h', `${el.offsetHeight}px`);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return ref;
}

/** "? Help": the user guide's section for the screen on show, in the user's language, in a tab of its own. It sits
 *  in the status line, where a phone has room: the row of controls above keeps the user's name readable. */
function HelpLink({ screen }: { screen?: string }) {
  const locale = useLocale();
  return (
    <a class="help-link" href={helpHref(screen, locale)} target="_blank" rel="noopener" data-testid="help-link"
      aria-label={t('Help for this screen')}>
      <span class="help-mark" aria-hidden="true">?</span>
      <span class="help-text">{t('Help')}</span>
    </a>
  );
}

export function Header({ user, screen }: { user: User; screen?: string }) {
  const ref = useTopbarHeight();
  return (
    <header class="topbar" ref={ref}>
      <div class="topbar-row topbar-main">
        <div class="who">
          <Logo size={28} />
          <div class="who-text">
            <span class="who-name" data-testid="user-name" data-raw="">
              {user.name}
            </span>
            <span class="who-sub">
              <span data-testid="user-role">{roleLabel(user.role)}</span>
              {user.garage?.name && (
                <>
                  <span aria-hidden="true"> · </span>
                  <span data-testid="garage-name" data-raw="">
                    {user.garage.name}
                  </span>
                </>
              )}
            </span>
          </div>
        </div>
        <div class="topbar-tools">
          <GlobalSearch />
          <LanguageSwitch dark />
          <AccountMenu user={user} />
        </div>
      </div>
      <div class="topbar-row topbar-status">
        <OnlineBadge />
        <SyncBadge />
        <HelpLink screen={screen} />
      </div>
    </header>
  );
}
