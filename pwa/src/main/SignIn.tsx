import { useRef, useState } from 'preact/hooks';
import { signIn } from '../shared/auth';
import { getLocale, t } from '../shared/i18n';
import type { UserError } from '../shared/types';
import { LanguageSwitch } from './LanguageSwitch';
import { Logo } from './Logo';
import { OnlineBadge } from './OnlineBadge';

type Problem = { kind: 'server'; errors: UserError[] } | { kind: 'network' } | { kind: 'empty' } | { kind: 'unknown' };

export function SignInScreen({ expired, onCreateGarage }: { expired?: boolean; onCreateGarage?: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // A language picked here wins over the one the account had saved (and becomes the saved one).
  const chosenLanguage = useRef(false);

  const fieldError = (field: string) =>
    problem?.kind === 'server' ? problem.errors.filter((e) => e.field === field).map((e) => e.message) : [];
  const generalErrors =
    problem?.kind === 'server' ? problem.errors.filter((e) => e.field !== 'email' && e.field !== 'password') : [];

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (!email.trim() || !password) {
      setProblem({ kind: 'empty' });
      return;
    }
    setBusy(true);
    setProblem(null);
    const result = await signIn(email.trim(), password, chosenLanguage.current ? getLocale() : null);
    if (!result.ok) {
      setBusy(false);
      if (result.network) setProblem({ kind: 'network' });
      else if (result.errors.length) setProblem({ kind: 'server', errors: result.errors });
      else setProblem({ kind: 'unknown' });
      setPassword('');
      passwordRef.current?.focus();
    }
    // on success this screen is replaced
  }

  const emailErrors = fieldError('email');
  const passwordErrors = fieldError('password');

  return (
    <div class="signin">
      <div class="signin-top">
        <OnlineBadge />
        <div onClickCapture={() => (chosenLanguage.current = true)}>
          <LanguageSwitch />
        </div>
      </div>
      <form class="card signin-card" onSubmit={submit} noValidate data-testid="sign-in-form">
        <div class="signin-brand">
          <Logo size={56} />
          <h1>MotoTrack</h1>
          <p class="muted">{t('Garage management')}</p>
        </div>

        {expired && !problem && (
          <p class="notice" role="status">
            {t('Your session has expired. Please sign in again.')}
          </p>
        )}

        <label class="field">
          <span class="field-label">{t('Email')}</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            inputMode="email"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={email}
            aria-invalid={emailErrors.length > 0}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          {emailErrors.map((m) => (
            <span class="field-error">{m}</span>
          ))}
        </label>

        <label class="field">
          <span class="field-label">{t('Password')}</span>
          <span class="input-with-button">
            <input
              ref={passwordRef}
              // Preact's input typings key attributes on a literal type; both values accept these attributes.
              type={(showPassword ? 'text' : 'password') as 'text'}
              name="password"
              autoComplete="current-password"
              required
              value={password}
              aria-invalid={passwordErrors.length > 0}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <button
              type="button"
              class="btn btn-inline"
              aria-pressed={showPassword}
              onClick={() => setShowPassword(!showPassword)}
            >
              {showPassword ? t('Hide') : t('Show')}
            </button>
          </span>
          {passwordErrors.map((m) => (
            <span class="field-error">{m}</span>
          ))}
        </label>

        <div class="form-errors" role="alert" aria-live="assertive" data-testid="sign-in-error">
          {problem?.kind === 'empty' && <p>{t('Enter your email and password.')}</p>}
          {problem?.kind === 'network' && <p>{t('Cannot reach the server. Check your connection and try again.')}</p>}
          {problem?.kind === 'unknown' && <p>{t('Something went wrong. Please try again.')}</p>}
          {generalErrors.map((e) => (
            <p>{e.message}</p>
          ))}
        </div>

        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="sign-in-submit">
          {busy ? t('Signing in…') : t('Sign in')}
        </button>
        {onCreateGarage && (
          <button type="button" class="btn btn-secondary btn-block" onClick={onCreateGarage} data-testid="create-garage">
            {t('Create a garage')}
          </button>
        )}
      </form>
    </div>
  );
}
