import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { subscribe } from '../../shared/live';
import { useOutbox } from '../../shared/outbox';
import type { Job, TaskAction, WarehouseItem } from '../../shared/types';
import {
  actionName,
  actions,
  itemName,
  JOB_SUBSCRIPTION,
  loadClock,
  loadItems,
  loadJob,
  loadSiteStock,
  loadTaskActions,
  matches,
  refreshJob,
  refreshReference,
  serverJob,
  storeJob,
  taskName,
} from '../../shared/workshop';
import type { ScreenProps } from '../screens';
import { OpProblems } from '../OpProblems';
import { href } from '../router';
import { partsStatusLabel, statusLabel, streamLabel } from '../../shared/labels';
import { useDeviceValue, useRefresh, useUserId } from './useDevice';
import { TechnicianMore } from '../jobcard/TechnicianMore';
import { InspectionSummary } from '../inspection/InspectionSummary';
import { Attachments } from '../inspection/Attachments';
import { PartsOnOrder } from '../jobcard/PartsOnOrder';

const WORKABLE = ['IN_PROGRESS', 'AWAITING_PARTS'];
const NOTES_MAX = 4000;
const NAME_MAX = 200;
const NOTE_MAX = 500;

function FieldError({ id, text }: { id: string; text: string | null }) {
  return text ? (
    <p class="field-error" id={id} role="alert" data-testid={id}>
      {text}
    </p>
  ) : null;
}

export default function JobDetail({ params }: ScreenProps) {
  const id = params.id;
  const userId = useUserId();
  const ops = useOutbox();
  const job = useDeviceValue(() => loadJob(id), [id]);
  const clock = useDeviceValue(() => loadClock(userId), [userId]);
  const state = useRefresh(async () => {
    await refreshJob(id);
    await refreshReference().catch(() => undefined);
  }, [id]);

  // every change of the job (a delivery for it too) reads its parts on order again
  const [changes, setChanges] = useState(0);
  useEffect(
    () =>
      subscribe<{ jobUpdated: Job }>(JOB_SUBSCRIPTION, { jobId: id }, {
        next: (d) => {
          void storeJob(d.jobUpdated);
          setChanges((n) => n + 1);
        },
      }),
    [id],
  );

  if (job === undefined) return <p class="muted center">{t('Loading…')}</p>;
  if (job === null) {
    return (
      <section class="screen empty" data-testid="job-missing">
        <p class="empty-title">{state === 'offline' ? t('This job is not saved on this phone yet.') : t('Job not found.')}</p>
        <a class="btn btn-secondary" href={href('jobs')}>
          {t('Back to my jobs')}
        </a>
      </section>
    );
  }
  const workable = WORKABLE.includes(job.status);
  const clockedHere = clock?.jobId === job.id;
  return (
    <section class="screen job-detail" data-testid="job-detail" data-job-id={job.id}>
      <a class="back" href={href('jobs')} data-testid="back-to-jobs">
        ‹ {t('My jobs')}
      </a>
      <div class="card job-head">
        <div class="row-main">
          <span class="plate plate-lg" data-raw="" data-testid="job-registration">
            {job.vehicle?.registrationDisplay ?? '—'}
          </span>
          <span class={`status status-${job.status.toLowerCase()}`} data-testid="job-status">
            {statusLabel(job.status)}
          </span>
        </div>
        <p class="muted small">
          <span data-raw="">{job.number}</span> · {streamLabel(job.operationsStream)}
          {job.vehicle?.make && (
            <span data-raw="">
              {' '}
              · {job.vehicle.make} {job.vehicle.model ?? ''}
            </span>
          )}
        </p>
        {job.issuesReported && (
          <p>
            <span class="field-label">{t('Reported by the customer')}</span>
            <span class="issue" data-raw="">
              {job.issuesReported}
            </span>
          </p>
        )}
        <div class="big-actions">
          {job.status === 'ASSIGNED' && (
            <button type="button" class="btn btn-primary btn-big" data-testid="job-start" onClick={() => void actions.startJob(job.id)}>
              {t('Start the job')}
            </button>
          )}
          {workable &&
            (clockedHere ? (
              <button type="button" class="btn btn-secondary btn-big" data-testid="clock-off" onClick={() => void actions.clockOff(job.id)}>
                {t('Clock off')}
              </button>
            ) : (
              <button type="button" class="btn btn-primary btn-big" data-testid="clock-on" onClick={() => void actions.clockOn(job.id)}>
                {t('Clock on')}
              </button>
            ))}
          {clockedHere && <span class="chip chip-on" data-testid="clocked-on">{t('Clocked on')}</span>}
        </div>
        <OpProblems ops={ops} jobId={job.id} names={['StartJob', 'ClockOnJob', 'ClockOffJob']} />
      </div>

      <Tasks job={job} workable={workable} />
      <OpProblems ops={ops} jobId={job.id} names={['AddJobTask', 'CompleteJobTask']} />
      <Parts job={job} workable={workable} />
      <OpProblems ops={ops} jobId={job.id} names={['RequestParts']} />
      {state !== 'offline' && <PartsOnOrder jobId={job.id} version={job.version * 1000 + changes} />}
      <InspectionSummary jobId={job.id} role="TECHNICIAN" workable={workable} />
      <Notes job={job} />
      <OpProblems ops={ops} jobId={job.id} names={['UpdateJobNotes']} />
      <CompleteJob job={job} />
      <OpProblems ops={ops} jobId={job.id} names={['CompleteJob']} />
      <TechnicianMore jobId={job.id} />
      <Attachments ownerType="job" ownerId={job.id} jobId={job.id} role="TECHNICIAN" />
    </section>
  );
}

function Tasks({ job, workable }: { job: Job; workable: boolean }) {
  const [search, setSearch] = useState('');
  const [custom, setCustom] = useState('');
  const [customError, setCustomError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const catalog = useDeviceValue(() => loadTaskActions(), []);
  const options = useMemo(
    () =>
      (catalog ?? [])
        .filter((a: TaskAction) => a.active && a.stream === job.operationsStream && matches(search, a.nameEn, a.nameTh))
        .sort((a, b) => actionName(a).localeCompare(actionName(b))),
    [catalog, search, job.operationsStream],
  );
  function addCustom(e: Event) {
    e.preventDefault();
    const name = custom.trim();
    if (!name) return setCustomError(t('Enter a name for the task.'));
    if (name.length > NAME_MAX) return setCustomError(t('At most {max} characters.', { max: NAME_MAX }));
    setCustomError(null);
    setCustom('');
    void actions.addCustomTask(job.id, name);
  }
  return (
    <div class="card" data-testid="tasks">
      <h2 class="card-title">{t('Tasks')}</h2>
      {job.tasks.length === 0 && <p class="muted">{t('No tasks yet.')}</p>}
      <ul class="list">
        {job.tasks.map((task) => (
          <li key={task.id} class={`row task-row ${task.status === 'COMPLETED' ? 'done' : ''}`} data-testid="task-row" data-status={task.status}>
            <div class="row-main">
              <span class="row-title" data-testid="task-name">
                {taskName(task)}
              </span>
              {task.pending && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
            </div>
            {task.status === 'OPEN' ? (
              workable && (
                <button type="button" class="btn btn-secondary" data-testid="task-complete" onClick={() => void actions.completeTask(job.id, task.id)}>
                  {t('Mark done')}
                </button>
              )
            ) : (
              <span class="chip chip-done">{t('Done')}</span>
            )}
          </li>
        ))}
      </ul>
      {workable &&
        (adding ? (
          <div class="add-box">
            <label class="field search">
              <span class="field-label">{t('Find work in the catalog')}</span>
              <input type="search" value={search} data-testid="task-search" placeholder={t('e.g. brake')} onInput={(e) => setSearch(e.currentTarget.value)} />
            </label>
            <ul class="options">
              {options.slice(0, 8).map((a) => (
                <li key={a.id}>
                  <button
                    type="button"
                    class="option"
                    data-testid="task-option"
                    onClick={() => {
                      void actions.addCatalogTask(job.id, a);
                      setSearch('');
                    }}
                  >
                    + {actionName(a)}
                  </button>
                </li>
              ))}
              {catalog && options.length === 0 && <li class="muted small">{t('Nothing in the catalog matches.')}</li>}
            </ul>
            <form class="field" onSubmit={addCustom} noValidate>
              <span class="field-label">{t('Or describe other work')}</span>
              <div class="input-with-button">
                <input
                  value={custom}
                  data-testid="custom-task-name"
                  maxLength={NAME_MAX + 50}
                  aria-invalid={customError ? 'true' : 'false'}
                  aria-describedby="custom-task-error"
                  onInput={(e) => setCustom(e.currentTarget.value)}
                />
                <button type="submit" class="btn btn-secondary btn-inline" data-testid="custom-task-add">
                  {t('Add')}
                </button>
              </div>
              <FieldError id="custom-task-error" text={customError} />
            </form>
            <button type="button" class="btn btn-ghost btn-block" onClick={() => setAdding(false)}>
              {t('Close')}
            </button>
          </div>
        ) : (
          <button type="button" class="btn btn-secondary btn-block btn-big" data-testid="add-task" onClick={() => setAdding(true)}>
            + {t('Add a task')}
          </button>
        ))}
    </div>
  );
}

const DESCRIPTION_MAX = 200;

function Parts({ job, workable }: { job: Job; workable: boolean }) {
  const [open, setOpen] = useState(false);
  // 'catalog': a part of the catalog; 'other': one that is not in it, by its description (the store orders it)
  const [mode, setMode] = useState<'catalog' | 'other'>('catalog');
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<WarehouseItem | null>(null);
  const [description, setDescription] = useState('');
  const [qty, setQty] = useState('1');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<{ item?: string; description?: string; quantity?: string; note?: string }>({});
  const [siteStock, setSiteStock] = useState<Record<string, number> | null>(null);
  const items = useDeviceValue(() => loadItems(), []);
  useEffect(() => {
    if (!open) return;
    let live = true;
    void loadSiteStock(job.id).then((s) => live && setSiteStock(s));
    return () => {
      live = false;
    };
  }, [open, job.id]);
  const options = useMemo(
    () =>
      (items ?? [])
        .filter((i) => i.active && !i.oneOff && matches(search, i.sku, i.nameEn, i.nameTh))
        .sort((a, b) => itemName(a).localeCompare(itemName(b))),
    [items, search],
  );
  const here = (i: WarehouseItem): number | null => (siteStock ? Math.max(0, siteStock[i.id] ?? 0) : null);
  function reset() {
    setChosen(null);
    setDescription('');
    setQty('1');
    setNote('');
    setSearch('');
    setMode('catalog');
    setErrors({});
    setOpen(false);
  }
  function describe() {
    setMode('other');
    setDescription(search.trim());
    setChosen(null);
    setErrors({});
  }
  function submit(e: Event) {
    e.preventDefault();
    const n = Number(qty);
    const text = description.trim();
    const next: typeof errors = {};
    if (mode === 'catalog' && !chosen) next.item = t('Choose a part.');
    if (mode === 'other' && !text) next.description = t('Describe the part (what it is, for which vehicle).');
    if (mode === 'other' && text.length > DESCRIPTION_MAX) next.description = t('At most {max} characters.', { max: DESCRIPTION_MAX });
    if (!/^\d+$/.test(qty.trim()) || n < 1 || n > 999) next.quantity = t('Enter a whole number from 1 to 999.');
    if (note.length > NOTE_MAX) next.note = t('At most {max} characters.', { max: NOTE_MAX });
    setErrors(next);
    if (Object.keys(next).length) return;
    if (mode === 'other') void actions.requestPartNotInCatalog(job.id, text, n, note.trim());
    else if (chosen) void actions.requestParts(job.id, chosen, n, note.trim());
    reset();
  }
  const chosenHere = chosen ? here(chosen) : null;
  return (
    <div class="card" data-testid="parts">
      <h2 class="card-title">{t('Parts')}</h2>
      {job.partsRequests.length === 0 && <p class="muted">{t('No parts requested.')}</p>}
      <ul class="list">
        {job.partsRequests.map((p) => (
          <li key={p.id} class="row" data-testid="parts-row" data-status={p.status}>
            <div class="row-main">
              <span class="row-title">
                {p.quantity} × <span data-raw="">{p.item ? itemName(p.item) : '—'}</span>
              </span>
              <span class="muted small">{partsStatusLabel(p.status)}</span>
            </div>
            {p.item?.oneOff || (p.pending && p.item && !p.item.id) ? (
              <span class="chip" data-testid="parts-not-in-catalog">{t('Not in the catalog')}</span>
            ) : null}
            {p.note && (
              <p class="small" data-raw="">
                {p.note}
              </p>
            )}
            {p.pending && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
          </li>
        ))}
      </ul>
      {workable &&
        (open ? (
          <form class="add-box" onSubmit={submit} noValidate data-testid="parts-form">
            {mode === 'catalog' ? (
              <>
                <label class="field search">
                  <span class="field-label">{t('Find a part (name or SKU)')}</span>
                  <input type="search" value={search} data-testid="item-search" onInput={(e) => setSearch(e.currentTarget.value)} />
                </label>
                {chosen ? (
                  <p class="chosen" data-testid="item-chosen">
                    <span data-raw="">{itemName(chosen)}</span>{' '}
                    <span class="muted small" data-raw="">
                      {chosen.sku}
                    </span>{' '}
                    <button type="button" class="btn btn-ghost btn-inline" onClick={() => setChosen(null)}>
                      {t('Change')}
                    </button>
                  </p>
                ) : (
                  <ul class="options">
                    {options.slice(0, 8).map((i) => {
                      const n = here(i);
                      return (
                        <li key={i.id}>
                          <button type="button" class="option" data-testid="item-option" onClick={() => setChosen(i)}>
                            <span data-raw="">{itemName(i)}</span> <span class="muted small" data-raw="">{i.sku}</span>{' '}
                            {n !== null && (
                              <span class={`chip ${n > 0 ? 'chip-done' : 'chip-wait'}`} data-testid="item-here">
                                {n > 0 ? t('{count} at this site', { count: n }) : t('None at this site')}
                              </span>
                            )}
                          </button>
                        </li>
                      );
                    })}
                    {items && options.length === 0 && <li class="muted small">{t('No part matches.')}</li>}
                    <li>
                      <button type="button" class="option" data-testid="part-not-in-catalog" onClick={describe}>
                        + {t('Not in the catalog? Describe the part')}
                      </button>
                    </li>
                  </ul>
                )}
                <FieldError id="parts-item-error" text={errors.item ?? null} />
                {chosen && chosenHere !== null && chosenHere < Math.max(1, Number(qty) || 1) && (
                  <p class="muted small" data-testid="item-short" role="status">
                    {t('Not enough on the shelf here: the store orders it and this job shows when it is expected.')}
                  </p>
                )}
              </>
            ) : (
              <>
                <label class="field">
                  <span class="field-label">{t('The part (not in the catalog)')}</span>
                  <input
                    value={description}
                    data-testid="parts-description"
                    maxLength={DESCRIPTION_MAX + 50}
                    placeholder={t('e.g. wiper motor, Hilux 1998')}
                    aria-invalid={errors.description ? 'true' : 'false'}
                    aria-describedby="parts-description-error"
                    onInput={(e) => setDescription(e.currentTarget.value)}
                  />
                </label>
                <FieldError id="parts-description-error" text={errors.description ?? null} />
                <p class="muted small">{t('The store orders it for this job; the job waits for it.')}</p>
                <button type="button" class="btn btn-ghost btn-block" data-testid="part-from-catalog" onClick={() => setMode('catalog')}>
                  {t('Back to the catalog')}
                </button>
              </>
            )}
            <label class="field">
              <span class="field-label">{t('Quantity')}</span>
              <input
                inputMode="numeric"
                value={qty}
                data-testid="parts-qty"
                aria-invalid={errors.quantity ? 'true' : 'false'}
                onInput={(e) => setQty(e.currentTarget.value)}
              />
            </label>
            <FieldError id="parts-qty-error" text={errors.quantity ?? null} />
            <label class="field">
              <span class="field-label">{t('Note for the store (optional)')}</span>
              <input value={note} data-testid="parts-note" onInput={(e) => setNote(e.currentTarget.value)} />
            </label>
            <FieldError id="parts-note-error" text={errors.note ?? null} />
            <div class="op-actions">
              <button type="submit" class="btn btn-primary" data-testid="parts-submit">
                {t('Request')}
              </button>
              <button type="button" class="btn btn-ghost" onClick={reset}>
                {t('Close')}
              </button>
            </div>
          </form>
        ) : (
          <button type="button" class="btn btn-secondary btn-block btn-big" data-testid="request-parts" onClick={() => setOpen(true)}>
            + {t('Request parts')}
          </button>
        ))}
    </div>
  );
}

function Notes({ job }: { job: Job }) {
  const saved = job.workDoneNotes ?? '';
  const [text, setText] = useState(saved);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!dirty) setText(saved);
  }, [saved, dirty]);
  async function save(e: Event) {
    e.preventDefault();
    const value = text.trim();
    if (value.length > NOTES_MAX) return setError(t('At most {max} characters.', { max: NOTES_MAX }));
    if (value === saved.trim()) {
      setDirty(false);
      return;
    }
    setError(null);
    const server = await serverJob(job.id);
    if (!server) return;
    await actions.updateNotes(server, saved || null, value);
    setDirty(false);
    setDone(true);
  }
  return (
    <form class="card" onSubmit={save} noValidate data-testid="notes">
      <h2 class="card-title">{t('Work done')}</h2>
      <label class="field">
        <span class="field-label">{t('What did you do and find?')}</span>
        <textarea
          rows={4}
          value={text}
          data-testid="notes-input"
          aria-invalid={error ? 'true' : 'false'}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setDirty(true);
            setDone(false);
          }}
        />
      </label>
      <FieldError id="notes-error" text={error} />
      <div class="op-actions">
        <button type="submit" class="btn btn-primary" data-testid="notes-save" disabled={!dirty}>
          {t('Save notes')}
        </button>
        {done && !dirty && <span class="muted small" role="status">{t('Saved on this phone')}</span>}
      </div>
    </form>
  );
}

function CompleteJob({ job }: { job: Job }) {
  const [error, setError] = useState<string | null>(null);
  if (!WORKABLE.includes(job.status)) return null;
  function complete() {
    if (!(job.workDoneNotes ?? '').trim()) {
      setError(t('Write what was done (work-done notes) before completing the job.'));
      return;
    }
    setError(null);
    void actions.completeJob(job.id);
  }
  return (
    <div class="card" data-testid="complete">
      <button type="button" class="btn btn-primary btn-block btn-big" data-testid="job-complete" onClick={complete}>
        {t('Complete the job')}
      </button>
      <FieldError id="complete-error" text={error} />
    </div>
  );
}
