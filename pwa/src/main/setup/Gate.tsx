// What a signed-out visitor sees: the invitee's screen for an /invite#<token> link, the first-run screen while the
// installation has no garage, the sign-up form when they chose "Create a garage", else the sign-in screen. The
// set-up screens are loaded only when needed (the sign-in screen stays in the main bundle as it was).
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../../shared/store';
import { SignInScreen } from '../SignIn';
import { Splash } from '../Splash';
import { invitationToken, loadSetupStatus, setupStore } from './status';

type Lazy<P> = ComponentType<P> | null;

function useLazy<P>(wanted: boolean, load: () => Promise<{ default: ComponentType<P> }>): Lazy<P> {
  const [component, setComponent] = useState<Lazy<P>>(null);
  useEffect(() => {
    if (wanted && !component) void load().then((m) => setComponent(() => m.default));
  }, [wanted]);
  return component;
}

export function SignedOut({ expired }: { expired?: boolean }) {
  const [token, setToken] = useState(() => invitationToken());
  const status = useStore(setupStore);
  const [signingUp, setSigningUp] = useState(false);
  useEffect(() => {
    // asked afresh each time (a garage set up since, from here or elsewhere); meanwhile, and offline, the sign-in
    setupStore.set(null);
    if (!token) void loadSetupStatus();
  }, [token]);

  const setupMode = status?.needsSetup ? 'first' : signingUp ? 'signup' : null;
  const Invite = useLazy<{ token: string; onDone: () => void }>(!!token, () => import('./InviteScreen'));
  const Setup = useLazy<{ mode: 'first' | 'signup'; onBack?: () => void }>(!!setupMode, () => import('./SetupScreen'));

  if (token) return Invite ? <Invite token={token} onDone={() => setToken(null)} /> : <Splash />;
  if (setupMode) {
    if (!Setup) return <Splash />;
    return setupMode === 'first' ? <Setup mode="first" /> : <Setup mode="signup" onBack={() => setSigningUp(false)} />;
  }
  return <SignInScreen expired={expired} onCreateGarage={status?.openSignup ? () => setSigningUp(true) : undefined} />;
}
