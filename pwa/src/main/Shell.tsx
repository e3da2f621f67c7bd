// The signed-in app: the header, the current screen (loaded on demand) and the navigation: a side navigation on
// tablets and desks (>= 768 px), a bottom bar of at most five destinations on a phone with the rest under "More".
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { User } from '../shared/types';
import { db } from '../shared/db';
import { Header } from './Header';
import { Icon } from './icons';
import { href, matchPath, navigate, useRoute } from './router';
import { iconFor, screensFor, type ScreenDef, type ScreenProps } from './screens';
import { useMedia, WIDE } from './useMedia';

type Loaded = ComponentType<ScreenProps>;
const loaded = new Map<string, Loaded>();

/** The most a phone's bottom bar holds; with more destinations the last place is "More". */
export const BOTTOM_BAR_MAX = 5;

function findScreen(list: ScreenDef[], path: string): { def: ScreenDef; params: Record<string, string> } | null {
  for (const def of list) {
    const params = matchPath(def.path, path);
    if (params) return { def, params };
  }
  return null;
}

function ScreenHost({ def, params }: { def: ScreenDef; params: Record<string, string> }) {
  const [Comp, setComp] = useState<Loaded | null>(() => loaded.get(def.id) ?? null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    const have = loaded.get(def.id);
    if (have) {
      setComp(() => have);
      return;
    }
    setComp(null);
    setFailed(false);
    def
      .load()
      .then((m) => {
        loaded.set(def.id, m.default);
        if (live) setComp(() => m.default);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [def]);
  if (failed) {
    return (
      <div class="empty" role="alert" data-testid="screen-load-failed">
        <p class="empty-title">{t('This screen could not be opened.')}</p>
        <button type="button" class="btn btn-secondary" onClick={() => location.reload()}>
          {t('Try again')}
        </button>
      </div>
    );
  }
  if (!Comp) return <p class="muted center" role="status">{t('Loading…')}</p>;
  return <Comp params={params} />;
}

function Home() {
  return (
    <section class="screen empty" data-testid="home-empty">
      <p class="empty-title">{t('Nothing to show here yet')}</p>
      <p class="muted">{t('The screens for your role are on their way.')}</p>
    </section>
  );
}

/** Whether a navigation entry is the current screen or one of its detail screens (`invoices` for `invoices/:id`). */
function isActive(nav: ScreenDef, active: ScreenDef | undefined): boolean {
  return !!active && (active.id === nav.id || active.path.startsWith(`${nav.path}/`));
}

function NavLink({ def, active, onClick }: { def: ScreenDef; active: ScreenDef | undefined; onClick?: () => void }) {
  return (
    <a
      href={href(def.path)}
      data-testid={`nav-${def.id}`}
      class={isActive(def, active) ? 'on' : ''}
      aria-current={active?.id === def.id ? 'page' : undefined}
      onClick={onClick}
    >
      <Icon name={iconFor(def)} class="nav-icon" />
      <span class="nav-label">{t(def.label)}</span>
    </a>
  );
}

function SideNav({ items, active }: { items: ScreenDef[]; active: ScreenDef | undefined }) {
  return (
    <nav class="side-nav" aria-label={t('Main menu')} data-testid="side-nav">
      {items.map((s) => (
        <NavLink key={s.id} def={s} active={active} />
      ))}
    </nav>
  );
}

function BottomNav({ items, active }: { items: ScreenDef[]; active: ScreenDef | undefined }) {
  const [open, setOpen] = useState(false);
  const sheet = useRef<HTMLDivElement>(null);
  const crowded = items.length > BOTTOM_BAR_MAX;
  const shown = crowded ? items.slice(0, BOTTOM_BAR_MAX - 1) : items;
  const rest = crowded ? items.slice(BOTTOM_BAR_MAX - 1) : [];
  const moreActive = rest.some((s) => isActive(s, active));

  useEffect(() => {
    if (!open) return;
    sheet.current?.querySelector<HTMLElement>('a')?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <>
      {open && (
        <>
          <div class="sheet-backdrop" onClick={() => setOpen(false)} aria-hidden="true" />
          <div class="more-sheet" id="more-sheet" ref={sheet} data-testid="more-sheet" role="dialog"
            aria-label={t('More')}>
            <nav class="more-list" aria-label={t('More')}>
              {rest.map((s) => (
                <NavLink key={s.id} def={s} active={active} onClick={() => setOpen(false)} />
              ))}
            </nav>
          </div>
        </>
      )}
      <nav class="bottom-nav" aria-label={t('Main menu')} data-testid="bottom-nav">
        {shown.map((s) => (
          <NavLink key={s.id} def={s} active={active} onClick={() => setOpen(false)} />
        ))}
        {crowded && (
          <button
            type="button"
            class={moreActive || open ? 'on' : ''}
            data-testid="nav-more"
            aria-expanded={open}
            aria-controls="more-sheet"
            onClick={() => setOpen(!open)}
          >
            <Icon name="more" class="nav-icon" />
            <span class="nav-label">{t('More')}</span>
          </button>
        )}
      </nav>
    </>
  );
}

export function Shell({ user }: { user: User }) {
  const path = useRoute();
  const wide = useMedia(WIDE);
  const mine = useMemo(() => screensFor(user.role), [user.role]);
  const navItems = mine.filter((s) => s.nav);
  const found = findScreen(mine, path);
  const home = navItems[0];

  // An empty or unknown path goes to the role's first screen.
  useEffect(() => {
    if (!found && home) navigate(home.path, true);
  }, [found, home]);

  // Photos and documents left waiting on this device (taken offline, then the app was closed) go up again
  // whichever screen opens first; the queue's code loads only when there is something to send.
  useEffect(() => {
    void db()
      .then((d) => d.countFromIndex('photos', 'byUser', user.id))
      .then((n) => (n > 0 ? import('./inspection/photos').then((m) => m.startPhotoQueue()) : undefined))
      .catch(() => undefined);
  }, [user.id]);

  const active = found?.def;
  const hasNav = navItems.length > 1;
  const layout = hasNav ? (wide ? 'has-side' : 'has-bottom') : '';
  return (
    <div class={`shell ${layout}`} data-layout={layout || 'plain'}>
      <Header user={user} screen={active?.id} />
      <div class="shell-body">
        {hasNav && wide && <SideNav items={navItems} active={active} />}
        <main class="content" id="main" tabIndex={-1} data-screen={active?.id}>
          {found ? <ScreenHost key={found.def.id} def={found.def} params={found.params} /> : home ? null : <Home />}
        </main>
      </div>
      {hasNav && !wide && <BottomNav items={navItems} active={active} />}
    </div>
  );
}
