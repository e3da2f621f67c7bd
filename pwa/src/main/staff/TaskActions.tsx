// Admin: the task-action catalog per stream (default labour cost and billed hours).
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, EnumSelect, Field, FormButtons, FormErrors, STREAMS, errorsFor, money, mutate, newMutationId, otherErrors, toMinor, useQuery, useSave } from './common';
import { EditableList, EditingRow, useEditing } from './EditableList';
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
  return (
    <EditableList
      list={list}
      field="taskActions"
      title={t('Task catalog')}
      addLabel={t('Add task')}
      addTestid="action-add"
      listTestid="action-list"
      form={(done) => <ActionForm onDone={done} />}
      row={(a, changed) => <ActionRow key={a.id} action={a} onChanged={changed} />}
    >
      <EnumSelect
        label={t('Stream')}
        values={STREAMS}
        labelOf={streamLabel}
        value={stream}
        onChange={setStream}
        testid="action-stream-filter"
        first={<option value="">{t('All streams')}</option>}
      />
    </EditableList>
  );
}

function ActionRow({ action, onChanged }: { action: Action; onChanged: (a: Action) => void }) {
  const editor = useEditing(onChanged);
  if (editor.editing)
    return (
      <EditingRow>
        <ActionForm action={action} onDone={editor.done} />
      </EditingRow>
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
        <button type="button" class="btn btn-secondary" onClick={editor.edit} data-testid="action-edit">
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
  const { errors, busy, save } = useSave<Action>(onDone);
  const [mutationId] = useState(newMutationId);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!nameEn.trim()) problems.push({ field: 'nameEn', code: 'REQUIRED', message: t('Type the English name.') });
    const minor = cost.trim() ? toMinor(cost) : 0;
    if (minor === null) problems.push({ field: 'defaultLabourCost', code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
    if (hours.trim() && !/^\d+(\.\d{1,2})?$/.test(hours.trim())) problems.push({ field: 'standardHours', code: 'INVALID_VALUE', message: t('Type the hours such as 1.5.') });
    const input: Record<string, unknown> = {
      stream,
      nameEn: nameEn.trim(),
      nameTh: nameTh.trim() || null,
      defaultLabourCost: minor,
      standardHours: hours.trim() || '0',
      active,
      clientMutationId: mutationId,
    };
    await save(
      problems,
      () =>
        action
          ? mutate<Payload>(UPDATE, { id: action.id, expectedVersion: action.version, ...input }, 'updateTaskAction')
          : mutate<Payload>(CREATE, input, 'createTaskAction'),
      (p) => p.taskAction,
    );
  }

  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="action-form">
      <h2 class="form-title">{action ? t('Edit {name}', { name: action.nameEn }) : t('New task')}</h2>
      <EnumSelect label={t('Stream')} errors={errorsFor(errors, 'stream')} values={STREAMS} labelOf={streamLabel} value={stream} onChange={setStream} testid="action-stream" />
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
      <FormButtons busy={busy} saveTestid="action-save" onCancel={() => onDone(null)} />
    </form>
  );
}
