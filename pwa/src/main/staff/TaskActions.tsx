// Admin: the task-action catalog per stream (default labour cost and billed hours).
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Failure, Field, FormErrors, Loading, STREAMS, ScreenTitle, errorsFor, money, mutate, newMutationId, otherErrors, toMinor, useQuery } from './common';
import { streamLabel } from '../../shared/labels';

const ACTION = 'id stream nameEn nameTh description defaultLabourCost standardHours active version';
interface Action {
  id: string;
  stream: string;
  nameEn: string;
  nameTh: string | null;
  description: string | null;
  defaultLabourCost: number;
  standardHours: string;
  active: boolean;
  version: number;
}
const LIST = `query TaskActionsAdmin($stream: OperationsStream) { taskActions(stream: $stream) { ${ACTION} } }`;
const CREATE = `mutation CreateTaskAction($input: CreateTaskActionInput!) { createTaskAction(input: $input) { taskAction { ${ACTION} } ${ERRORS} } }`;
const UPDATE = `mutation UpdateTaskAction($input: UpdateTaskActionInput!) { updateTaskAction(input: $input) { taskAction { ${ACTION} } ${ERRORS} } }`;
type Payload = { taskAction: Action | null; errors: UserError[] };

export default function TaskActionsScreen(_props: ScreenProps) {
  const [stream, setStream] = useState('');
  const list = useQuery<{ taskActions: Action[] }>(LIST, { stream: stream || null });
  const [adding, setAdding] = useState(false);
  const upsert = (a: Action) =>
    list.setData((old) => {
      if (!old) return old;
      const known = old.taskActions.some((x) => x.id === a.id);
      return { taskActions: known ? old.taskActions.map((x) => (x.id === a.id ? a : x)) : [a, ...old.taskActions] };
    });
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !adding && (
            <button type="button" class="btn btn-primary" onClick={() => setAdding(true)} data-testid="action-add">
              {t('Add task')}
            </button>
          )
        }
      >
        {t('Task catalog')}
      </ScreenTitle>
      {adding && (
        <ActionForm
          onDone={(a) => {
            if (a) upsert(a);
            setAdding(false);
          }}
        />
      )}
      <Field label={t('Stream')}>
        {(p) => (
          <select {...p} value={stream} onChange={(e) => setStream(e.currentTarget.value)} data-testid="action-stream-filter">
            <option value="">{t('All streams')}</option>
            {STREAMS.map((s) => (
              <option key={s} value={s}>
                {streamLabel(s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!list.data && list.loading && <Loading />}
      {list.data && (
        <ul class="list" data-testid="action-list">
          {list.data.taskActions.map((a) => (
            <ActionRow key={a.id} action={a} onChanged={upsert} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ActionRow({ action, onChanged }: { action: Action; onChanged: (a: Action) => void }) {
  const [editing, setEditing] = useState(false);
  if (editing)
    return (
      <li class="card row">
        <ActionForm
          action={action}
          onDone={(a) => {
            if (a) onChanged(a);
            setEditing(false);
          }}
        />
      </li>
    );
  return (
    <li class={`card row ${action.active ? '' : 'inactive'}`} data-testid="action-row" data-name={action.nameEn}>
      <div class="row-main">
        <span class="row-title">{action.nameEn}</span>
        <span class="muted small">{streamLabel(action.stream)}</span>
      </div>
      {action.nameTh && <p class="small" lang="th">{action.nameTh}</p>}
      <p class="small">
        {t('{hours} h · labour {cost}', { hours: Number(action.standardHours).toFixed(2), cost: money(action.defaultLabourCost) })}
        {!action.active && <span class="tag-warn"> {t('Inactive')}</span>}
      </p>
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={() => setEditing(true)} data-testid="action-edit">
          {t('Edit')}
        </button>
      </div>
    </li>
  );
}

function ActionForm({ action, onDone }: { action?: Action; onDone: (a: Action | null) => void }) {
  const [stream, setStream] = useState(action?.stream ?? 'MECHANICAL');
  const [nameEn, setNameEn] = useState(action?.nameEn ?? '');
  const [nameTh, setNameTh] = useState(action?.nameTh ?? '');
  const [cost, setCost] = useState(action ? (action.defaultLabourCost / 100).toFixed(2) : '');
  const [hours, setHours] = useState(action ? String(Number(action.standardHours)) : '');
  const [active, setActive] = useState(action?.active ?? true);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId] = useState(newMutationId);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!nameEn.trim()) problems.push({ field: 'nameEn', code: 'REQUIRED', message: t('Type the English name.') });
    const minor = cost.trim() ? toMinor(cost) : 0;
    if (minor === null) problems.push({ field: 'defaultLabourCost', code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
    if (hours.trim() && !/^\d+(\.\d{1,2})?$/.test(hours.trim())) problems.push({ field: 'standardHours', code: 'INVALID_VALUE', message: t('Type the hours such as 1.5.') });
    setErrors(problems);
    if (problems.length) return;
    const input: Record<string, unknown> = {
      stream,
      nameEn: nameEn.trim(),
      nameTh: nameTh.trim() || null,
      defaultLabourCost: minor,
      standardHours: hours.trim() || '0',
      active,
      clientMutationId: mutationId,
    };
    setBusy(true);
    const r = action
      ? await mutate<Payload>(UPDATE, { id: action.id, expectedVersion: action.version, ...input }, 'updateTaskAction')
      : await mutate<Payload>(CREATE, input, 'createTaskAction');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.taskAction && !r.errors.length) onDone(r.payload.taskAction);
  }

  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="action-form">
      <h2 class="form-title">{action ? t('Edit {name}', { name: action.nameEn }) : t('New task')}</h2>
      <Field label={t('Stream')} errors={errorsFor(errors, 'stream')}>
        {(p) => (
          <select {...p} value={stream} onChange={(e) => setStream(e.currentTarget.value)} data-testid="action-stream">
            {STREAMS.map((s) => (
              <option key={s} value={s}>
                {streamLabel(s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('Name (English)')} errors={errorsFor(errors, 'nameEn')}>
        {(p) => <input {...p} value={nameEn} onInput={(e) => setNameEn(e.currentTarget.value)} data-testid="action-name-en" />}
      </Field>
      <Field label={t('Name (Thai)')} errors={errorsFor(errors, 'nameTh')}>
        {(p) => <input {...p} lang="th" value={nameTh} onInput={(e) => setNameTh(e.currentTarget.value)} data-testid="action-name-th" />}
      </Field>
      <div class="two">
        <Field label={t('Labour cost')} errors={errorsFor(errors, 'defaultLabourCost')}>
          {(p) => <input {...p} inputMode="decimal" value={cost} onInput={(e) => setCost(e.currentTarget.value)} data-testid="action-cost" />}
        </Field>
        <Field label={t('Billed hours')} errors={errorsFor(errors, 'standardHours')}>
          {(p) => <input {...p} inputMode="decimal" value={hours} onInput={(e) => setHours(e.currentTarget.value)} data-testid="action-hours" />}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} data-testid="action-active" />
        {t('Active')}
      </label>
      <FormErrors errors={otherErrors(errors, ['stream', 'nameEn', 'nameTh', 'defaultLabourCost', 'standardHours'])} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="action-save">
          {t('Save')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => onDone(null)}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}
