// The signed-in app: header, the current screen (loaded on demand) and a bottom navigation bar for the thumb.
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { User } from '../shared/types';
import { Header } from './Header';
import { href, matchPath, navigate, useRoute } from './router';
import { screensFor, type ScreenDef, type ScreenProps } from './screens';

type Loaded = ComponentType<ScreenProps>;
const loaded = new Map<string, Loaded>();

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

export function Shell({ user }: { user: User }) {
  const path = useRoute();
  const mine = useMemo(() => screensFor(user.role), [user.role]);
  const navItems = mine.filter((s) => s.nav);
  const found = findScreen(mine, path);
  const home = navItems[0];

  // An empty or unknown path goes to the role's first screen.
  useEffect(() => {
    if (!found && home) navigate(home.path, true);
  }, [found, home]);

  const active = found?.def;
  return (
    <div class={`shell ${navItems.length > 1 ? 'has-nav' : ''}`}>
      <Header user={user} />
      <main class="content" id="main">
        {found ? <ScreenHost key={found.def.id} def={found.def} params={found.params} /> : home ? null : <Home />}
      </main>
      {navItems.length > 1 && (
        <nav class="bottom-nav" aria-label={t('Main menu')}>
          {navItems.map((s) => (
            <a
              key={s.id}
              href={href(s.path)}
              data-testid={`nav-${s.id}`}
              class={active && (active.id === s.id || active.path.startsWith(`${s.path}/`)) ? 'on' : ''}
              aria-current={active?.id === s.id ? 'page' : undefined}
            >
              {s.icon && (
                <span class="nav-icon" aria-hidden="true">
                  {s.icon}
                </span>
              )}
              <span class="nav-label">{t(s.label)}</span>
            </a>
          ))}
        </nav>
      )}
    </div>
  );
}
