import { authStore } from '../shared/auth';
import { useLocale } from '../shared/i18n';
import { useStore } from '../shared/store';
import { Shell } from './Shell';
import { SignInScreen } from './SignIn';
import { UpdatePrompt } from './UpdatePrompt';
import { Splash } from './Splash';

export function App() {
  useLocale(); // re-render everything when the language changes
  const auth = useStore(authStore);
  return (
    <>
      {auth.status === 'loading' && <Splash />}
      {auth.status === 'signedOut' && <SignInScreen expired={auth.expired} />}
      {auth.status === 'signedIn' && <Shell user={auth.user} />}
      <UpdatePrompt />
    </>
  );
}
