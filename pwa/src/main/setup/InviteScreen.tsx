// The invitee's screen (/invite#<token> from the mail): who invited them where, then their name and password; they
// are signed in. The token is taken from the fragment and the address bar cleared of it at once; it goes to the
// server in a POST body only (backend/accounts/invitations.py).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, graphql } from '../../shared/api';
import { startSession, USER_FIELDS, type TokenPayload } from '../../shared/auth';
import { getLocale, t } from '../../shared/i18n';
import { roleLabel } from '../../shared/roles';
import type { User, UserError } from '../../shared/types';
import { LanguageSwitch } from '../LanguageSwitch';
import { Logo } from '../Logo';
import { OnlineBadge } from '../OnlineBadge';
import { Field, FormErrors, errorsFor, otherErrors } from '../staff/common';
import { MIN_PASSWORD, PasswordField } from './PasswordField';
import './setup.css';

const LOOK_UP = `mutation LookUpInvitation($input: InvitationTokenInput!) {
  lookUpInvitation(input: $input) { invitation { email name role garageName } errors { field code message } }
}`;
const ACCEPT = `mutation AcceptInvitation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { accessToken refreshToken expiresIn user { ${USER_FIELDS} } errors { field code message } }
}`;

interface Preview {
  email: string;
  name: string | null;
  role: string;
  garageName: string;
}

function failure(err: unknown): UserError {
  const network = err instanceof ApiError && err.kind === 'network';
  return {
    field: null,
    code: 'FAILED',
    message: network ? t('Cannot reach the server. Check your connection and try again.') : t('Something went wrong. Please try again.'),
  };
}

export default function InviteScreen({ token, onDone }: { token: string; onDone: () => void }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [refused, setRefused] = useState<UserError[]>([]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    history.replaceState(null, '', '/invite'); // the token out of the address bar (and of any later copy of it)
    let live = true;
    graphql<{ lookUpInvitation: { invitation: Preview | null; errors: UserError[] } }>(LOOK_UP, { input: { token } })
      .then((data) => {
        if (!live) return;
        const p = data.lookUpInvitation;
        if (p.invitation) {
          setPreview(p.invitation);
          setName(p.invitation.name ?? '');
        } else setRefused(p.errors);
      })
      .catch((err) => live && setRefused([failure(err)]));
    return () => {
      live = false;
    };
  }, [token]);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const problems: UserError[] = [];
    if (!name.trim()) problems.push({ field: 'name', code: 'REQUIRED', message: t('This field is required.') });
    if (password.length < MIN_PASSWORD)
      problems.push({
        field: 'password',
        code: 'PASSWORD_TOO_SHORT',
        message: t('The password must have at least {min} characters.', { min: MIN_PASSWORD }),
      });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    try {
      const data = await graphql<{ acceptInvitation: TokenPayload & { user: User | null } }>(ACCEPT, {
        input: { token, name: name.trim(), password },
      });
      const result = await startSession(data.acceptInvitation, getLocale());
      if (result.ok) {
        history.replaceState(null, '', '/');
        onDone();
      } else setErrors(result.errors);
    } catch (err) {
      setErrors([failure(err)]);
    }
    setBusy(false);
  }

  return (
    <div class="signin setup">
      <div class="signin-top">
        <OnlineBadge />
        <LanguageSwitch />
      </div>
      <form class="card signin-card" onSubmit={submit} noValidate data-testid="invite-form">
        <div class="signin-brand">
          <Logo size={48} />
          <h1>MotoTrack</h1>
          {preview && (
            <p data-testid="invite-welcome">
              {t('{garage} invites you as {role}.', { garage: preview.garageName, role: roleLabel(preview.role) })}
            </p>
          )}
        </div>
        {!preview && !refused.length && <p class="muted">{t('Loading…')}</p>}
        {refused.length > 0 && (
          <>
            <FormErrors errors={refused} testid="invite-refused" />
            <button type="button" class="btn btn-secondary btn-block" onClick={() => { history.replaceState(null, '', '/'); onDone(); }}>
              {t('Go to sign in')}
            </button>
          </>
        )}
        {preview && (
          <>
            <Field label={t('Email')}>
              {(p) => <input {...p} type="email" autocomplete="username" value={preview.email} readOnly data-testid="invite-email" />}
            </Field>
            <Field label={t('Your name')} errors={errorsFor(errors, 'name')}>
              {(p) => <input {...p} value={name} autocomplete="name" onInput={(e) => setName(e.currentTarget.value)} data-testid="invite-name" />}
            </Field>
            <PasswordField label={t('Choose a password')} value={password} onInput={setPassword} errors={errorsFor(errors, 'password')} testid="invite-password" />
            <FormErrors errors={otherErrors(errors, ['name', 'password'])} testid="invite-errors" />
            <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="invite-submit">
              {busy ? t('Signing in…') : t('Set password and sign in')}
            </button>
          </>
        )}
      </form>
    </div>
  );
}
