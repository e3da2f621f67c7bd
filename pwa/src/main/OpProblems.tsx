// How a queued change that needs the user looks: the server's refusal (already localized) with "Try again" and
// "Discard", or a conflict showing both versions with "Keep mine" and "Take theirs". Nothing goes away by itself.
import { useState } from 'preact/hooks';
import type { OutboxOp } from '../shared/db';
import { t } from '../shared/i18n';
import { discard, keepMine, retry } from '../shared/outbox';

const FIELD_LABELS: Record<string, string> = {
  workDoneNotes: 'Work done',
};

/** What a queued operation does, in words. */
export function describeOp(op: OutboxOp): string {
  const input = op.variables.input;
  const local = op.local ?? {};
  switch (op.operationName) {
    case 'StartJob':
      return t('Start the job');
    case 'ClockOnJob':
      return t('Clock on');
    case 'ClockOffJob':
      return t('Clock off');
    case 'AddJobTask':
      return t('Add a task: {name}', { name: String((local.nameTh && document.documentElement.lang === 'th' ? local.nameTh : local.nameEn) ?? input.name ?? '') });
    case 'CompleteJobTask':
      return t('Complete a task');
    case 'RequestParts':
      return t('Request parts');
    case 'UpdateJobNotes':
      return t('Save the work-done notes');
    case 'CompleteJob':
      return t('Complete the job');
    case 'StartInspection':
      return t('Start an inspection');
    case 'RecordInspectionResult':
      return t('Record an inspection item: {item}', { item: String(input.itemKey ?? '') });
    case 'CompleteInspection':
      return t('Complete the inspection');
    case 'ClockIn':
      return t('Clock in');
    case 'StartBreak':
      return t('Start a break');
    case 'EndBreak':
      return t('End the break');
    case 'ClockOut':
      return t('Clock out');
    case 'MoveAppointment':
      return t('Move an appointment: {appointment} to {when}', { appointment: String(local.label ?? ''), when: String(local.when ?? '') });
    case 'ReceivePurchaseOrder':
      return t('Receive order {number}: {n} units ({skus})', { number: String(local.number ?? ''), n: Number(local.units ?? 0), skus: String(local.skus ?? '') });
    default:
      return op.operationName;
  }
}

function value(v: unknown): string {
  return v == null || v === '' ? t('(empty)') : String(v);
}

export function OpProblem({ op }: { op: OutboxOp }) {
  const [busy, setBusy] = useState(false);
  const act = (fn: () => Promise<void>) => {
    setBusy(true);
    void fn().finally(() => setBusy(false));
  };
  if (op.status === 'conflict') {
    const theirs = (op.theirs ?? {}) as unknown as Record<string, unknown>;
    const fields = Object.keys(op.base ?? {});
    return (
      <div class="op-problem op-conflict" role="alert" data-testid="conflict" data-op={op.operationName}>
        <p class="op-title">{t('Changed by someone else while you were offline. Which version should stay?')}</p>
        {fields.map((f) => (
          <div class="versions" key={f}>
            <div class="version" data-testid="conflict-mine">
              <span class="version-label">
                {t('Yours')} · {t(FIELD_LABELS[f] ?? f)}
              </span>
              <p class="version-text" data-raw="">
                {value(op.variables.input[f])}
              </p>
            </div>
            <div class="version" data-testid="conflict-theirs">
              <span class="version-label">
                {t('On the server')} · {t(FIELD_LABELS[f] ?? f)}
              </span>
              <p class="version-text" data-raw="">
                {value(theirs[f])}
              </p>
            </div>
          </div>
        ))}
        <div class="op-actions">
          <button type="button" class="btn btn-primary" disabled={busy} data-testid="keep-mine" onClick={() => act(() => keepMine(op.id))}>
            {t('Keep mine')}
          </button>
          <button type="button" class="btn btn-secondary" disabled={busy} data-testid="take-theirs" onClick={() => act(() => discard(op.id))}>
            {t('Take theirs')}
          </button>
        </div>
      </div>
    );
  }
  if (op.status !== 'failed') return null;
  return (
    <div class="op-problem" role="alert" data-testid="op-failed" data-op={op.operationName}>
      <p class="op-title">{t('Not accepted by the server: {what}', { what: describeOp(op) })}</p>
      <ul class="op-errors">
        {(op.error ?? []).map((e, i) => (
          <li key={i} data-testid="op-error" data-code={e.code} data-field={e.field ?? ''}>
            {e.message}
          </li>
        ))}
      </ul>
      <p class="muted small">{t('The change is kept on this phone until you try again or discard it.')}</p>
      <div class="op-actions">
        <button type="button" class="btn btn-secondary" disabled={busy} data-testid="op-retry" onClick={() => act(() => retry(op.id))}>
          {t('Try again')}
        </button>
        <button type="button" class="btn btn-danger" disabled={busy} data-testid="op-discard" onClick={() => act(() => discard(op.id))}>
          {t('Discard')}
        </button>
      </div>
    </div>
  );
}

/** The problems of the given operations of one job, shown next to the action they belong to. */
export function OpProblems({ ops, jobId, names }: { ops: OutboxOp[]; jobId: string; names: string[] }) {
  const mine = ops.filter((o) => o.jobId === jobId && names.includes(o.operationName) && (o.status === 'failed' || o.status === 'conflict'));
  if (!mine.length) return null;
  return (
    <div class="op-problems">
      {mine.map((op) => (
        <OpProblem key={op.id} op={op} />
      ))}
    </div>
  );
}
