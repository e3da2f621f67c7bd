// A new password with Show / Hide, its rule under it (the set-up form's admin, the invitee's own).
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { Field } from '../staff/common';

export const MIN_PASSWORD = 10; // backend/accounts/service/users.py

export function PasswordField({ label, value, onInput, errors, testid }: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  errors: string[];
  testid: string;
}) {
  const [shown, setShown] = useState(false);
  return (
    <Field label={label} hint={t('At least {min} characters.', { min: MIN_PASSWORD })} errors={errors}>
      {(p) => (
        <span class="input-with-button">
          <input
            {...p}
            type={(shown ? 'text' : 'password') as 'text'}
            autocomplete="new-password"
            value={value}
            onInput={(e) => onInput(e.currentTarget.value)}
            data-testid={testid}
          />
          <button type="button" class="btn btn-inline" aria-pressed={shown} onClick={() => setShown(!shown)}>
            {shown ? t('Hide') : t('Show')}
          </button>
        </span>
      )}
    </Field>
  );
}
