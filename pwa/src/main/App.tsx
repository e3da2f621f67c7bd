import { authStore } from '../shared/auth';
import { useLocale } from '../shared/i18n';
import { useStore } from '../shared/store';
import { Shell } from './Shell';
import { SignedOut } from './setup/Gate';
import { UpdatePrompt } from './UpdatePrompt';
import { Splash } from './Splash';

export function App() {
  useLocale(); // re-render everything when the language changes
  const auth = useStore(authStore);
  const signedIn = auth.status === 'signedIn';
  return (
    <>
      {/* one instance (it registers the service worker): on the sign-in screen it takes its own place at the top,
          so it never floats over the Sign in button; in the app it floats above the bottom bar */}
      <UpdatePrompt inline={!signedIn} />
      {auth.status === 'loading' && <Splash />}
      {auth.status === 'signedOut' && <SignedOut expired={auth.expired} />}
      {auth.status === 'signedIn' && <Shell user={auth.user} />}
    </>
  );
}
