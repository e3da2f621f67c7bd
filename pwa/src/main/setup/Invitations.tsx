// On the Users screen (admins): invite a member of staff by mail (email, role, streams, home site), the invitations
// still pending with Send again / Withdraw, and the API explorer (GraphiQL) for integrators' questions.
import { useState } from 'preact/hooks';
import { currentAccessToken } from '../../shared/auth';
import { formatDateTime, t } from '../../shared/i18n';
import { streamLabel } from '../../shared/labels';
import { roleLabel } from '../../shared/roles';
import type { UserError } from '../../shared/types';
import { ERRORS, EnumSelect, Field, FormButtons, FormErrors, ROLES, STREAMS, errorsFor, mutate, otherErrors, useQuery, useSave } from '../staff/common';
import './setup.css';

const INVITATION = 'id email name role streams status expiresAt lastSentAt sentCount homeSite { id name }';
interface Invitation {
  id: string;
  email: string;
  name: string | null;
  role: string;
  streams: string[];
  status: 'PENDING' | 'EXPIRED' | 'ACCEPTED' | 'REVOKED';
  expiresAt: string;
  lastSentAt: string;
  sentCount: number;
  homeSite: { id: string; name: string } | null;
}
const LIST = `query Invitations { invitations { ${INVITATION} } sites { id name } }`;
const INVITE = `mutation InviteUser($input: InviteUserInput!) { inviteUser(input: $input) { invitation { ${INVITATION} } ${ERRORS} } }`;
const RESEND = `mutation ResendInvitation($input: InvitationIdInput!) { resendInvitation(input: $input) { invitation { ${INVITATION} } ${ERRORS} } }`;
const REVOKE = `mutation RevokeInvitation($input: InvitationIdInput!) { revokeInvitation(input: $input) { invitation { ${INVITATION} } ${ERRORS} } }`;
type Payload = { invitation: Invitation | null; errors: UserError[] };
type Data = { invitations: Invitation[]; sites: { id: string; name: string }[] };

export function Invitations() {
  const list = useQuery<Data>(LIST, {});
  const [inviting, setInviting] = useState(false);
  const sites = list.data?.sites ?? [];
  const rows = list.data?.invitations ?? [];
  const put = (row: Invitation | null) => {
    if (!row) return;
    list.setData((old) =>
      old
        ? {
            ...old,
            invitations:
              row.status === 'REVOKED' || row.status === 'ACCEPTED'
                ? old.invitations.filter((r) => r.id !== row.id)
                : old.invitations.some((r) => r.id === row.id)
                  ? old.invitations.map((r) => (r.id === row.id ? row : r))
                  : [row, ...old.invitations],
          }
        : old,
    );
  };
  return (
    <section class="invitations" data-testid="invitations">
      <div class="section-head">
        <h2>{t('Invitations')}</h2>
        {!inviting && (
          <button type="button" class="btn btn-primary" onClick={() => setInviting(true)} data-testid="invite-open">
            {t('Invite by email')}
          </button>
        )}
      </div>
      {inviting && (
        <InviteForm
          sites={sites}
          onDone={(row) => {
            put(row);
            setInviting(false);
          }}
        />
      )}
      {list.data && rows.length === 0 && !inviting && <p class="muted">{t('No invitations waiting.')}</p>}
      <ul class="list" data-testid="invitation-list">
        {rows.map((row) => (
          <InvitationRow key={row.id} row={row} onChanged={put} />
        ))}
      </ul>
      <ApiExplorer />
    </section>
  );
}

function InvitationRow({ row, onChanged }: { row: Invitation; onChanged: (row: Invitation | null) => void }) {
  const { errors, busy, send } = useSave<Invitation>(onChanged);
  const [confirming, setConfirming] = useState(false);
  return (
    <li class="card row invitation-row" data-testid="invitation-row" data-email={row.email}>
      <div class="row-main">
        <span class="row-title">{row.name || row.email}</span>
        {row.name && <span class="muted small">{row.email}</span>}
      </div>
      <p class="small">
        {roleLabel(row.role)}
        {row.streams.length > 0 && <span class="muted"> · {row.streams.map(streamLabel).join(', ')}</span>}
        {row.homeSite && <span class="muted"> · {row.homeSite.name}</span>}
      </p>
      <p class="small muted" data-testid="invitation-status">
        {row.status === 'EXPIRED' ? (
          <span class="tag-warn">{t('Expired {when}', { when: formatDateTime(row.expiresAt) })}</span>
        ) : (
          t('Sent {when}, valid until {until}', { when: formatDateTime(row.lastSentAt), until: formatDateTime(row.expiresAt) })
        )}
      </p>
      <FormErrors errors={errors} />
      <div class="actions">
        <button
          type="button"
          class="btn btn-secondary"
          disabled={busy}
          onClick={() => void send(() => mutate<Payload>(RESEND, { id: row.id }, 'resendInvitation'), (p) => p.invitation)}
          data-testid="invitation-resend"
        >
          {t('Send again')}
        </button>
        {confirming ? (
          <button
            type="button"
            class="btn btn-primary btn-danger"
            disabled={busy}
            onClick={() => void send(() => mutate<Payload>(REVOKE, { id: row.id }, 'revokeInvitation'), (p) => p.invitation)}
            data-testid="invitation-revoke-confirm"
          >
            {t('Yes, withdraw it')}
          </button>
        ) : (
          <button type="button" class="btn btn-secondary" onClick={() => setConfirming(true)} data-testid="invitation-revoke">
            {t('Withdraw')}
          </button>
        )}
      </div>
    </li>
  );
}

function InviteForm({ sites, onDone }: { sites: { id: string; name: string }[]; onDone: (row: Invitation | null) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('TECHNICIAN');
  const [streams, setStreams] = useState<string[]>([]);
  const [site, setSite] = useState('');
  const { errors, busy, save } = useSave<Invitation>(onDone);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim()))
      problems.push({ field: 'email', code: 'INVALID_EMAIL', message: t('Type a valid email address.') });
    if (role === 'TECHNICIAN' && !streams.length)
      problems.push({ field: 'streams', code: 'TECHNICIAN_NEEDS_STREAM', message: t('Choose at least one stream for a technician.') });
    const input = {
      email: email.trim(),
      name: name.trim() || null,
      role,
      streams: role === 'TECHNICIAN' ? streams : [],
      homeSiteId: site || null,
    };
    await save(problems, () => mutate<Payload>(INVITE, input, 'inviteUser'), (p) => p.invitation);
  }

  const toggle = (s: string) => setStreams((old) => (old.includes(s) ? old.filter((x) => x !== s) : [...old, s]));
  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="invite-user-form">
      <h2 class="form-title">{t('Invite a member of staff')}</h2>
      <p class="muted small">{t('They get an email with a link to choose their password. The link works once, for 3 days.')}</p>
      <Field label={t('Email')} errors={errorsFor(errors, 'email')}>
        {(p) => <input {...p} type="email" autocomplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="invite-email-input" />}
      </Field>
      <Field label={t('Name (optional)')} errors={errorsFor(errors, 'name')}>
        {(p) => <input {...p} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="invite-name-input" />}
      </Field>
      <EnumSelect label={t('Role')} errors={errorsFor(errors, 'role')} values={ROLES} labelOf={roleLabel} value={role} onChange={setRole} testid="invite-role-input" />
      {role === 'TECHNICIAN' && (
        <fieldset class="group">
          <legend>{t('Streams')}</legend>
          {STREAMS.map((s) => (
            <label class="check" key={s}>
              <input type="checkbox" checked={streams.includes(s)} onChange={() => toggle(s)} data-testid={`invite-stream-${s}`} />
              {streamLabel(s)}
            </label>
          ))}
          {errorsFor(errors, 'streams').length > 0 && <p class="field-error">{errorsFor(errors, 'streams').join(' ')}</p>}
        </fieldset>
      )}
      <EnumSelect
        label={t('Home site')}
        errors={errorsFor(errors, 'homeSiteId')}
        values={sites.map((s) => s.id)}
        labelOf={(id) => sites.find((s) => s.id === id)?.name ?? id}
        value={site}
        onChange={setSite}
        testid="invite-site-input"
        first={<option value="">{t('None')}</option>}
      />
      <FormErrors errors={otherErrors(errors, ['email', 'name', 'role', 'streams', 'homeSiteId'])} />
      <FormButtons busy={busy} saveTestid="invite-send" saveLabel={t('Send invitation')} onCancel={() => onDone(null)} />
    </form>
  );
}

/** GraphiQL in a new tab: a form POST of the admin's access token (never in a URL), answered by backend/api/graphiql.py. */
function ApiExplorer() {
  const [busy, setBusy] = useState(false);
  async function open() {
    setBusy(true);
    const token = await currentAccessToken().catch(() => null);
    setBusy(false);
    if (!token) return;
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = '/graphiql';
    form.target = '_blank';
    const field = document.createElement('input');
    field.type = 'hidden';
    field.name = 'token';
    field.value = token;
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }
  return (
    <p class="small muted api-explorer">
      {t('For integrators: try the API with your own access in the API explorer (GraphiQL).')}{' '}
      <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void open()} data-testid="api-explorer">
        {t('Open the API explorer')}
      </button>
    </p>
  );
}
