// The job card's status actions: only what this role may do with the job in its status now (assign, review, move
// to billing, hold / resume / cancel with a reason, make the invoice), and a free note in the timeline. Each sends
// the job's version, and the server's errors show beside the action, with what was typed kept.
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { navigate } from '../router';
import { ERRORS, Field, FormErrors, mutate, newMutationId, useQuery } from '../staff/common';
import { CARD_FIELDS, CARD_VARIABLES, capsOf, cardVariables, useRole, type Capability, type CardJob } from './api';

const ASSIGNABLE = ['RECEIVED', 'ASSIGNED', 'IN_PROGRESS', 'AWAITING_PARTS', 'ON_HOLD'];
const HOLDABLE = ['ASSIGNED', 'IN_PROGRESS', 'AWAITING_PARTS'];
const REASON_MAX = 500;
const NOTE_MAX = 2000;

type Payload = { job: CardJob | null; errors: UserError[] };

// One constant document per job mutation (the trusted-documents manifest lists each); the card's fields follow the
// role through CARD_VARIABLES.
const JOB_MUTATIONS = {
  assignJob: `mutation AssignJob($input: AssignJobInput!, ${CARD_VARIABLES}) {
    assignJob(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  reviewJob: `mutation ReviewJob($input: ReviewJobInput!, ${CARD_VARIABLES}) {
    reviewJob(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  moveJobToBilling: `mutation MoveJobToBilling($input: MoveJobToBillingInput!, ${CARD_VARIABLES}) {
    moveJobToBilling(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  resumeJob: `mutation ResumeJob($input: ResumeJobInput!, ${CARD_VARIABLES}) {
    resumeJob(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  holdJob: `mutation HoldJob($input: HoldJobInput!, ${CARD_VARIABLES}) {
    holdJob(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  cancelJob: `mutation CancelJob($input: CancelJobInput!, ${CARD_VARIABLES}) {
    cancelJob(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
  addJobNote: `mutation AddJobNote($input: AddJobNoteInput!, ${CARD_VARIABLES}) {
    addJobNote(input: $input) { job { ${CARD_FIELDS} } ${ERRORS} } }`,
};

const TECHNICIANS = `query JobCardTechnicians { users(role: TECHNICIAN, active: true) { id name streams } }`;
const INVOICE_FROM_JOB = `mutation CreateInvoiceFromJob($input: CreateInvoiceFromJobInput!) {
  createInvoiceFromJob(input: $input) { invoice { id } ${ERRORS} } }`;

interface Props {
  job: CardJob;
  caps: Set<Capability>;
  onChanged: (job: CardJob) => void;
}

/** Sends one job mutation; hands the job back, or the errors. */
function useJobMutation(caps: Set<Capability>, onChanged: (job: CardJob) => void) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  async function run(name: keyof typeof JOB_MUTATIONS, input: Record<string, unknown>): Promise<boolean> {
    setBusy(true);
    const r = await mutate<Payload>(JOB_MUTATIONS[name], { ...input, clientMutationId: newMutationId() }, name,
      cardVariables(caps));
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job) onChanged(r.payload.job); // on a conflict too: the job as it is now
    return r.errors.length === 0;
  }
  return { busy, errors, setErrors, run };
}

export function StatusActions({ job, caps, onChanged }: Props) {
  const m = useJobMutation(caps, onChanged);
  const [mode, setMode] = useState<'hold' | 'cancel' | null>(null);
  const canAssign = caps.has('assign') && ASSIGNABLE.includes(job.status);
  const canReview = caps.has('review') && job.status === 'COMPLETED';
  const canBill = caps.has('review') && job.status === 'MANAGER_REVIEW';
  const canHold = caps.has('hold') && HOLDABLE.includes(job.status);
  const canResume = caps.has('hold') && job.status === 'ON_HOLD';
  const canCancel = caps.has('hold') && !['INVOICED', 'CANCELLED'].includes(job.status);
  const canInvoice = caps.has('invoicesWrite') && job.status === 'BILLING' && !(job.invoices ?? []).some((i) => i.status !== 'VOID');
  const any = canAssign || canReview || canBill || canHold || canResume || canCancel || canInvoice;
  const v = { jobId: job.id, expectedVersion: job.version };

  return (
    <section class="card" data-testid="jc-actions" aria-labelledby="jc-actions-title">
      <h2 class="card-title" id="jc-actions-title">
        {t('What happens next')}
      </h2>
      {!any && (
        <p class="muted" data-testid="jc-no-actions">
          {t('Nothing for your role to do on this job now.')}
        </p>
      )}
      {canAssign && <Assign job={job} busy={m.busy} onAssign={(technicianId) => void m.run('assignJob', { ...v, technicianId })} />}
      {canReview && <Review job={job} busy={m.busy} onReview={(managerNotes) => void m.run('reviewJob', { ...v, managerNotes })} />}
      <div class="actions jc-actions">
        {canBill && (
          <button type="button" class="btn btn-primary" disabled={m.busy} data-testid="jc-to-billing" onClick={() => void m.run('moveJobToBilling', v)}>
            {t('Move to billing')}
          </button>
        )}
        {canInvoice && <MakeInvoice jobId={job.id} />}
        {canResume && (
          <button type="button" class="btn btn-primary" disabled={m.busy} data-testid="jc-resume" onClick={() => void m.run('resumeJob', v)}>
            {t('Resume')}
          </button>
        )}
        {canHold && mode === null && (
          <button type="button" class="btn btn-secondary" disabled={m.busy} data-testid="jc-hold" onClick={() => setMode('hold')}>
            {t('Put on hold')}
          </button>
        )}
        {canCancel && mode === null && (
          <button type="button" class="btn btn-secondary jc-danger" disabled={m.busy} data-testid="jc-cancel" onClick={() => setMode('cancel')}>
            {t('Cancel the job')}
          </button>
        )}
      </div>
      {mode && (
        <ReasonForm
          kind={mode}
          busy={m.busy}
          onClose={() => setMode(null)}
          onSend={async (reason) => {
            const ok = await m.run(mode === 'hold' ? 'holdJob' : 'cancelJob', { ...v, reason });
            if (ok) setMode(null);
          }}
        />
      )}
      <FormErrors errors={m.errors} testid="jc-action-errors" />
    </section>
  );
}

function Assign({ job, busy, onAssign }: { job: CardJob; busy: boolean; onAssign: (id: string) => void }) {
  const techs = useQuery<{ users: { id: string; name: string; streams: string[] }[] }>(TECHNICIANS, {});
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<string | null>(null);
  const list = (techs.data?.users ?? []).filter((u) => u.streams.includes(job.operationsStream));
  function submit(e: Event) {
    e.preventDefault();
    if (!chosen) return setError(t('Choose a technician.'));
    setError(null);
    onAssign(chosen);
  }
  return (
    <form class="inline-form" onSubmit={submit} noValidate data-testid="jc-assign-form">
      <Field label={job.technician ? t('Reassign to') : t('Assign to')} errors={error ? [error] : []}>
        {(p) => (
          <select {...p} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="jc-assign-technician">
            <option value="">{t('Choose…')}</option>
            {list.map((u) => (
              <option key={u.id} value={u.id} disabled={u.id === job.technician?.id}>
                {u.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {techs.data && list.length === 0 && <p class="muted small">{t('No active technician works this stream.')}</p>}
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="jc-assign-submit">
        {t('Assign')}
      </button>
    </form>
  );
}

function Review({ job, busy, onReview }: { job: CardJob; busy: boolean; onReview: (notes: string | null) => void }) {
  const [notes, setNotes] = useState(job.managerNotes ?? '');
  return (
    <form
      class="inline-form"
      noValidate
      data-testid="jc-review-form"
      onSubmit={(e) => {
        e.preventDefault();
        onReview(notes.trim() || null);
      }}
    >
      <Field label={t("Manager's notes (optional)")}>
        {(p) => <textarea {...p} rows={2} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="jc-review-notes" />}
      </Field>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="jc-review">
        {t('Confirm review')}
      </button>
    </form>
  );
}

function ReasonForm({ kind, busy, onSend, onClose }: { kind: 'hold' | 'cancel'; busy: boolean; onSend: (reason: string) => void; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  function submit(e: Event) {
    e.preventDefault();
    const text = reason.trim();
    if (!text) return setError(t('Give the reason.'));
    if (text.length > REASON_MAX) return setError(t('At most {max} characters.', { max: REASON_MAX }));
    setError(null);
    onSend(text);
  }
  return (
    <form class="inline-form" onSubmit={submit} noValidate data-testid={`jc-${kind}-form`}>
      <Field label={kind === 'hold' ? t('Why is the job on hold?') : t('Why is the job cancelled?')} errors={error ? [error] : []}>
        {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="jc-reason" />}
      </Field>
      <div class="actions">
        <button type="submit" class={`btn ${kind === 'cancel' ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid="jc-reason-submit">
          {kind === 'hold' ? t('Put on hold') : t('Cancel the job')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onClose}>
          {t('Back')}
        </button>
      </div>
    </form>
  );
}

function MakeInvoice({ jobId }: { jobId: string }) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  async function make() {
    setBusy(true);
    const r = await mutate<{ invoice: { id: string } | null; errors: UserError[] }>(INVOICE_FROM_JOB, { jobId, clientMutationId: newMutationId() }, 'createInvoiceFromJob');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.invoice && !r.errors.length) navigate(`invoices/${r.payload.invoice.id}`);
  }
  return (
    <>
      <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void make()} data-testid="jc-make-invoice">
        {t('Make the invoice')}
      </button>
      <FormErrors errors={errors} />
    </>
  );
}

/** A free note in the job's timeline: any member of staff. */
export function AddNote({ job, onChanged }: { job: CardJob; onChanged: (job: CardJob) => void }) {
  const role = useRole();
  const caps = capsOf(role);
  const m = useJobMutation(caps, onChanged);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    const text = note.trim();
    if (!text) return setError(t('Write the note first.'));
    if (text.length > NOTE_MAX) return setError(t('At most {max} characters.', { max: NOTE_MAX }));
    setError(null);
    if (await m.run('addJobNote', { jobId: job.id, note: text })) setNote('');
  }
  return (
    <form class="card" onSubmit={submit} noValidate data-testid="jc-note-form">
      <Field label={t('Add a note to the timeline')} errors={error ? [error] : []}>
        {(p) => <textarea {...p} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="jc-note" />}
      </Field>
      <div class="actions">
        <button type="submit" class="btn btn-secondary" disabled={m.busy} data-testid="jc-note-add">
          {t('Add note')}
        </button>
      </div>
      <FormErrors errors={m.errors} />
    </form>
  );
}
