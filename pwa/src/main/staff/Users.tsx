// Admin: the garage's users — list, create, change role and streams, deactivate.
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { roleLabel } from '../../shared/roles';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, EnumSelect, Field, FormButtons, FormErrors, ROLES, STREAMS, errorsFor, mutate, otherErrors, useQuery, useSave } from './common';
import { EditableList, EditingRow, useEditing } from './EditableList';
import { streamLabel } from '../../shared/labels';
import { Invitations } from '../setup/Invitations';

const USER = 'id name email role streams active locale';
interface Row {
  id: string;
  name: string;
  email: string | null;
  role: string;
  streams: string[];
  active: boolean;
  locale: string | null;
}
const LIST = `query UsersAdmin($active: Boolean) { users(active: $active) { ${USER} } }`;
const CREATE = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { user { ${USER} } ${ERRORS} } }`;
const UPDATE = `mutation UpdateUser($input: UpdateUserInput!) { updateUser(input: $input) { user { ${USER} } ${ERRORS} } }`;
const DEACTIVATE = `mutation DeactivateUser($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { ${USER} } ${ERRORS} } }`;

type Payload = { user: Row | null; errors: UserError[] };

export default function UsersScreen(_props: ScreenProps) {
  const [showInactive, setShowInactive] = useState(false);
  const list = useQuery<{ users: Row[] }>(LIST, { active: showInactive ? null : true });
  return (
    <EditableList
      list={list}
      field="users"
      title={t('Users')}
      addLabel={t('Add user')}
      addTestid="user-add"
      listTestid="user-list"
      form={(done) => <UserForm onDone={done} />}
      row={(u, changed) => <UserRow key={u.id} user={u} onChanged={changed} />}
    >
      <label class="check">
        <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.currentTarget.checked)} />
        {t('Show deactivated users')}
      </label>
      <Invitations />
    </EditableList>
  );
}

function UserRow({ user, onChanged }: { user: Row; onChanged: (u: Row) => void }) {
  const editor = useEditing(onChanged);
  const { errors, busy, send } = useSave<Row>(onChanged);
  const [confirming, setConfirming] = useState(false);

  async function deactivate() {
    await send(() => mutate<Payload>(DEACTIVATE, { id: user.id }, 'deactivateUser'), (p) => p.user);
    setConfirming(false);
  }

  if (editor.editing) {
    return (
      <EditingRow>
        <UserForm user={user} onDone={editor.done} />
      </EditingRow>
    );
  }
  return (
    <li class={`card row ${user.active ? '' : 'inactive'}`} data-testid="user-row" data-email={user.email ?? ''}>
      <div class="row-main">
        <span class="row-title">{user.name}</span>
        <span class="muted small">{user.email}</span>
      </div>
      <p class="small">
        <span data-testid="user-row-role">{roleLabel(user.role)}</span>
        {user.streams.length > 0 && <span class="muted"> · {user.streams.map(streamLabel).join(', ')}</span>}
        {!user.active && <span class="tag-warn"> {t('Deactivated')}</span>}
      </p>
      <FormErrors errors={errors} />
      {user.active && (
        <div class="actions">
          <button type="button" class="btn btn-secondary" onClick={editor.edit} data-testid="user-edit">
            {t('Edit')}
          </button>
          {confirming ? (
            <button type="button" class="btn btn-primary btn-danger" disabled={busy} onClick={() => void deactivate()} data-testid="user-deactivate-confirm">
              {t('Yes, deactivate {name}', { name: user.name })}
            </button>
          ) : (
            <button type="button" class="btn btn-secondary" onClick={() => setConfirming(true)} data-testid="user-deactivate">
              {t('Deactivate')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function UserForm({ user, onDone }: { user?: Row; onDone: (u: Row | null) => void }) {
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState(user?.role ?? 'TECHNICIAN');
  const [streams, setStreams] = useState<string[]>(user?.streams ?? []);
  const { errors, busy, save } = useSave<Row>(onDone);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!name.trim()) problems.push({ field: 'name', code: 'REQUIRED', message: t('Type a name.') });
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) problems.push({ field: 'email', code: 'INVALID_EMAIL', message: t('Type a valid email address.') });
    if (!user && password.length < 8) problems.push({ field: 'password', code: 'PASSWORD_TOO_SHORT', message: t('The password needs at least 8 characters.') });
    if (user && password && password.length < 8) problems.push({ field: 'password', code: 'PASSWORD_TOO_SHORT', message: t('The password needs at least 8 characters.') });
    if (role === 'TECHNICIAN' && !streams.length) problems.push({ field: 'streams', code: 'TECHNICIAN_NEEDS_STREAM', message: t('Choose at least one stream for a technician.') });
    const input: Record<string, unknown> = {
      name: name.trim(),
      email: email.trim(),
      role,
      streams: role === 'TECHNICIAN' ? streams : [],
    };
    if (password) input.password = password;
    await save(
      problems,
      () => (user ? mutate<Payload>(UPDATE, { id: user.id, ...input }, 'updateUser') : mutate<Payload>(CREATE, input, 'createUser')),
      (p) => p.user,
    );
  }

  const toggle = (s: string) => setStreams((old) => (old.includes(s) ? old.filter((x) => x !== s) : [...old, s]));
  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="user-form">
      <h2 class="form-title">{user ? t('Edit {name}', { name: user.name }) : t('New user')}</h2>
      <Field label={t('Name')} errors={errorsFor(errors, 'name')}>
        {(p) => <input {...p} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="user-name-input" />}
      </Field>
      <Field label={t('Email')} errors={errorsFor(errors, 'email')}>
        {(p) => <input {...p} type="email" autocomplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="user-email-input" />}
      </Field>
      <Field label={user ? t('New password (optional)') : t('Password')} errors={errorsFor(errors, 'password')}>
        {(p) => <input {...p} type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="user-password-input" />}
      </Field>
      <EnumSelect label={t('Role')} errors={errorsFor(errors, 'role')} values={ROLES} labelOf={roleLabel} value={role} onChange={setRole} testid="user-role-input" />
      {role === 'TECHNICIAN' && (
        <fieldset class="group">
          <legend>{t('Streams')}</legend>
          {STREAMS.map((s) => (
            <label class="check" key={s}>
              <input type="checkbox" checked={streams.includes(s)} onChange={() => toggle(s)} data-testid={`user-stream-${s}`} />
              {streamLabel(s)}
            </label>
          ))}
          {errorsFor(errors, 'streams').length > 0 && <p class="field-error">{errorsFor(errors, 'streams').join(' ')}</p>}
        </fieldset>
      )}
      <FormErrors errors={otherErrors(errors, ['name', 'email', 'password', 'role', 'streams'])} />
      <FormButtons busy={busy} saveTestid="user-save" saveLabel={user ? t('Save') : t('Create user')} onCancel={() => onDone(null)} />
    </form>
  );
}
