// The calendar's side panels: one appointment (confirm, move by form, arrived -> its job card, no-show / cancel with
// a reason) and a new booking from an empty slot (vehicle by registration, services from the catalog, the free
// slots the server suggests).
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../../shared/auth';
import { formatDateTime, t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import { navigate } from '../../router';
import { Field, FormErrors, mutate, newMutationId, useQuery } from '../common';
import {
  ARRIVE,
  CANCEL,
  CREATE,
  MOVE,
  NO_SHOW,
  SERVICES,
  SLOTS,
  VEHICLE,
  blockLabel,
  canBook,
  isManager,
  fromLocalInput,
  statusName,
  toLocalInput,
  type Alloc,
  type Appointment,
  type Resources,
} from './data';

type Payload = { appointment: Appointment | null; errors: UserError[] };

function Panel({ title, onClose, children, testid }: { title: string; onClose: () => void; children: preact.ComponentChildren; testid: string }) {
  return (
    <div class="cal-panel-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="cal-panel card" role="dialog" aria-modal="true" aria-label={title} data-testid={testid}>
        <div class="cal-panel-head">
          <h2 class="card-title">{title}</h2>
          <button type="button" class="btn btn-secondary" onClick={onClose} data-testid="cal-panel-close">
            {t('Close')}
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** Arrived: the job card opens from the appointment, and the screen goes to it. */
export async function markArrived(a: { id: string; version: number }): Promise<UserError[]> {
  const r = await mutate<{ job: { id: string } | null; errors: UserError[] }>(
    ARRIVE,
    { id: a.id, expectedVersion: a.version, clientMutationId: newMutationId() },
    'markAppointmentArrived',
  );
  if (!r.errors.length && r.payload?.job) navigate(`jobs/${r.payload.job.id}`);
  return r.errors;
}

export function AppointmentPanel({ appointment: a, alloc, resources, onClose, onChanged }: {
  appointment: Appointment;
  alloc: Alloc | null;
  resources: Resources | null;
  onClose: () => void;
  onChanged: () => void;
}) {
  const open = ['REQUESTED', 'CONFIRMED'].includes(a.status);
  const editable = open && canBook();
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [ending, setEnding] = useState<'cancel' | 'noshow' | null>(null);
  const [reason, setReason] = useState('');
  const first = alloc ?? a.allocations[0] ?? null;
  // a request not yet booked (the customer asked for a time): booked here at the asked time or at another one
  const asked = a.status === 'REQUESTED' && !a.allocations.length;
  const [start, setStart] = useState(first ? toLocalInput(first.startsAt) : a.requestedAt ? toLocalInput(a.requestedAt) : '');
  const bays = (resources?.bays ?? []).filter((b) => b.active && b.streams.includes(a.stream));
  const techs = (resources?.users ?? []).filter((u) => u.streams.includes(a.stream));
  const [chosenBay, setBayId] = useState(first?.bay?.id ?? '');
  const [chosenTech, setTechId] = useState(first?.technician?.id ?? '');
  const bayId = chosenBay || bays[0]?.id || '';
  const techId = chosenTech || techs[0]?.id || '';
  const [override, setOverride] = useState(false);

  async function run(send: () => Promise<UserError[]>) {
    setBusy(true);
    const errs = await send();
    setBusy(false);
    setErrors(errs);
    if (!errs.length) onChanged();
  }
  const base = () => ({ id: a.id, expectedVersion: a.version, clientMutationId: newMutationId() });

  /** Moves the first allocation (or books a request's first one) to `startsAt` in the chosen bay and technician;
   * `confirmIt`: a requested appointment becomes confirmed there. Clashes are the server's to refuse, naming the
   * other appointment. */
  const moveTo = (startsAt: string | null, confirmIt: boolean) => {
    if (!startsAt) {
      setErrors([{ field: 'startsAt', code: 'INVALID_VALUE', message: t('Enter a date and time.') }]);
      return;
    }
    if (!bayId || !techId) {
      setErrors([{ field: 'allocations', code: 'REQUIRED', message: t('Choose a bay and a technician.') }]);
      return;
    }
    const length = first
      ? new Date(first.endsAt).getTime() - new Date(first.startsAt).getTime()
      : Math.max(Number(a.estimatedHours) || 0, 0.5) * 3600_000;
    const endsAt = new Date(new Date(startsAt).getTime() + length).toISOString();
    const allocations = first
      ? a.allocations.map((x) =>
          x.id === first.id
            ? { bayId, technicianId: techId, startsAt, endsAt }
            : { bayId: x.bay?.id ?? '', technicianId: x.technician?.id ?? '', startsAt: x.startsAt, endsAt: x.endsAt },
        )
      : [{ bayId, technicianId: techId, startsAt, endsAt }];
    void run(async () => (await mutate<Payload>(MOVE, { ...base(), allocations, confirm: confirmIt, outsideHours: override }, 'moveAppointment')).errors);
  };
  const moveByForm = (e: Event) => {
    e.preventDefault();
    moveTo(fromLocalInput(start), asked);
  };
  const confirm = () =>
    run(async () => (await mutate<Payload>(MOVE, {
      ...base(),
      confirm: true,
      allocations: a.allocations.map((x) => ({ bayId: x.bay?.id, technicianId: x.technician?.id, startsAt: x.startsAt, endsAt: x.endsAt })),
    }, 'moveAppointment')).errors);
  const end = (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: 'reason', code: 'REASON_REQUIRED', message: t('Give a reason.') }]);
      return;
    }
    const [doc, field] = ending === 'cancel' ? [CANCEL, 'cancelAppointment'] : [NO_SHOW, 'markAppointmentNoShow'];
    void run(async () => (await mutate<Payload>(doc, { ...base(), reason: reason.trim() }, field)).errors);
  };

  return (
    <Panel title={blockLabel(a) || t('Appointment')} onClose={onClose} testid="cal-panel">
      <dl class="cal-facts">
        <dt>{t('Status')}</dt>
        <dd data-testid="cal-panel-status">{statusName(a.status)}{a.statusReason ? ` — ${a.statusReason}` : ''}</dd>
        <dt>{t('Vehicle')}</dt>
        <dd>
          {a.vehicle ? <a href={`#/vehicles/${a.vehicle.id}`}>{[a.vehicle.registration, a.vehicle.make, a.vehicle.model].filter(Boolean).join(' ')}</a> : '—'}
        </dd>
        <dt>{t('Services')}</dt>
        <dd>{a.services.map((s) => `${s.name} (${t('{n} h', { n: Number(s.hours) })})`).join(', ') || '—'}</dd>
        {a.requestedAt && (
          <>
            <dt>{t('Asked for')}</dt>
            <dd data-testid="cal-panel-asked">{formatDateTime(a.requestedAt)}</dd>
          </>
        )}
        <dt>{t('Booked')}</dt>
        <dd>
          {!a.allocations.length && t('Not yet booked')}
          {a.allocations.map((x) => (
            <div key={x.id}>
              {toLocalInput(x.startsAt).replace('T', ' ')}–{toLocalInput(x.endsAt).slice(11)} · {x.bay?.name} · {x.technician?.name}
            </div>
          ))}
        </dd>
        {a.notes && (
          <>
            <dt>{t('Notes')}</dt>
            <dd>{a.notes}</dd>
          </>
        )}
      </dl>
      {a.job && (
        <a class="btn btn-primary btn-block" href={`#/jobs/${a.job.id}`} data-testid="cal-open-job">
          {t('Open job card {number}', { number: a.job.number })}
        </a>
      )}
      <FormErrors errors={errors} testid="cal-panel-errors" />
      {editable && (
        <div class="actions cal-actions">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => run(() => markArrived(a))} data-testid="cal-arrived">
            {t('Mark as arrived')}
          </button>
          {a.status === 'REQUESTED' && a.allocations.length > 0 && (
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={confirm} data-testid="cal-confirm">
              {t('Confirm')}
            </button>
          )}
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setEnding('noshow')} data-testid="cal-no-show">
            {t('No-show')}
          </button>
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setEnding('cancel')} data-testid="cal-cancel">
            {t('Cancel appointment')}
          </button>
        </div>
      )}
      {editable && ending && (
        <form class="cal-form" onSubmit={end}>
          <Field label={ending === 'cancel' ? t('Why is it cancelled?') : t('Why did they not come?')}>
            {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="cal-reason" />}
          </Field>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="cal-end-save">
            {ending === 'cancel' ? t('Cancel appointment') : t('Mark as no-show')}
          </button>
        </form>
      )}
      {editable && (first || asked) && (
        <form class="cal-form" onSubmit={moveByForm} data-testid="cal-move-form">
          <h3 class="cal-subtitle">{asked ? t('Book this request') : t('Move')}</h3>
          <Field label={t('Starts at')}>
            {(p) => <input {...p} type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} data-testid="cal-move-start" />}
          </Field>
          <Field label={t('Bay')}>
            {(p) => (
              <select {...p} value={bayId} onChange={(e) => setBayId(e.currentTarget.value)} data-testid="cal-move-bay">
                {bays.map((b) => (
                  <option key={b.id} value={b.id}>{b.name}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('Technician')}>
            {(p) => (
              <select {...p} value={techId} onChange={(e) => setTechId(e.currentTarget.value)} data-testid="cal-move-technician">
                {techs.map((u) => (
                  <option key={u.id} value={u.id}>{u.name}</option>
                ))}
              </select>
            )}
          </Field>
          {isManager() && (
            <label class="cal-check">
              <input type="checkbox" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} data-testid="cal-override" />
              {t('Allow outside opening hours and shifts')}
            </label>
          )}
          <div class="actions cal-actions">
            {asked && a.requestedAt && (
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => moveTo(a.requestedAt, true)} data-testid="cal-confirm-asked">
                {t('Confirm at the asked time')}
              </button>
            )}
            <button type="submit" class={asked ? 'btn btn-secondary' : 'btn btn-primary'} disabled={busy} data-testid="cal-move-save">
              {asked ? t('Confirm at this time') : t('Move appointment')}
            </button>
            {!asked && a.status === 'REQUESTED' && (
              <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => moveTo(fromLocalInput(start), true)} data-testid="cal-move-confirm">
                {t('Move and confirm')}
              </button>
            )}
          </div>
        </form>
      )}
    </Panel>
  );
}

interface FoundVehicle {
  id: string;
  registration: string;
  registrationDisplay: string;
  make: string | null;
  model: string | null;
  owner: { id: string; name: string } | null;
}
interface Service {
  id: string;
  name: string;
  stream: string;
  standardHours: string;
}
interface Slot {
  startsAt: string;
  endsAt: string;
  bay: { id: string; name: string } | null;
  technician: { id: string; name: string } | null;
}

export function NewAppointmentPanel({ siteId, start, resources, onClose, onCreated }: {
  siteId: string;
  start: { startsAt: string; bayId?: string; technicianId?: string };
  resources: Resources | null;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [registration, setRegistration] = useState('');
  const [vehicle, setVehicle] = useState<FoundVehicle | null>(null);
  const [lookup, setLookup] = useState<'idle' | 'busy' | 'none'>('idle');
  const catalog = useQuery<{ taskActions: Service[] }>(SERVICES, {});
  const [chosen, setChosen] = useState<string[]>([]);
  const [when, setWhen] = useState(toLocalInput(start.startsAt));
  const [bayId, setBayId] = useState(start.bayId ?? '');
  const [techId, setTechId] = useState(start.technicianId ?? '');
  const [slots, setSlots] = useState<Slot[]>([]);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [override, setOverride] = useState(false);

  const services = (catalog.data?.taskActions ?? []).filter((s) => chosen.includes(s.id));
  const stream = services[0]?.stream ?? 'MECHANICAL';
  const total = services.reduce((n, s) => n + Number(s.standardHours), 0);
  const offered = (catalog.data?.taskActions ?? []).filter((s) => !services.length || s.stream === stream);

  useEffect(() => {
    if (!services.length) {
      setSlots([]);
      return;
    }
    let live = true;
    authedGraphql<{ availableSlots: Slot[] }>(SLOTS, { siteId, stream, hours: String(total), from: start.startsAt })
      .then((d) => live && setSlots(d.availableSlots))
      .catch(() => live && setSlots([]));
    return () => {
      live = false;
    };
  }, [siteId, stream, total, start.startsAt]);

  async function find(e: Event) {
    e.preventDefault();
    if (!registration.trim()) return;
    setLookup('busy');
    try {
      const d = await authedGraphql<{ vehicleByRegistration: FoundVehicle | null }>(VEHICLE, { registration: registration.trim() });
      setVehicle(d.vehicleByRegistration);
      setLookup(d.vehicleByRegistration ? 'idle' : 'none');
    } catch {
      setLookup('none');
    }
  }

  async function book(e: Event) {
    e.preventDefault();
    const startsAt = fromLocalInput(when);
    const problems: UserError[] = [];
    if (!vehicle) problems.push({ field: 'vehicleId', code: 'REQUIRED', message: t('Find the vehicle first.') });
    if (!services.length) problems.push({ field: 'serviceIds', code: 'REQUIRED', message: t('Choose at least one service.') });
    if (!startsAt) problems.push({ field: 'startsAt', code: 'INVALID_VALUE', message: t('Enter a date and time.') });
    setErrors(problems);
    if (problems.length || !vehicle || !startsAt) return;
    const endsAt = new Date(new Date(startsAt).getTime() + Math.max(total, 0.5) * 3600_000).toISOString();
    setBusy(true);
    const r = await mutate<Payload>(CREATE, {
      id: newMutationId(),
      siteId,
      vehicleId: vehicle.id,
      serviceIds: chosen,
      stream,
      confirm: true,
      outsideHours: override,
      allocations: [{ bayId, technicianId: techId, startsAt, endsAt }],
      clientMutationId: newMutationId(),
    }, 'createAppointment');
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length) onCreated();
  }

  return (
    <Panel title={t('New appointment')} onClose={onClose} testid="cal-new">
      <form class="cal-form" onSubmit={find}>
        <Field label={t('Registration')}>
          {(p) => <input {...p} value={registration} onInput={(e) => setRegistration(e.currentTarget.value)} data-testid="cal-new-registration" />}
        </Field>
        <button type="submit" class="btn btn-secondary" disabled={lookup === 'busy'} data-testid="cal-new-find">{t('Find')}</button>
        {vehicle && <p data-testid="cal-new-vehicle">{[vehicle.registrationDisplay, vehicle.make, vehicle.model, vehicle.owner?.name].filter(Boolean).join(' · ')}</p>}
        {lookup === 'none' && <p class="muted">{t('No vehicle with this registration. Add it at reception first.')}</p>}
      </form>
      <form class="cal-form" onSubmit={book}>
        <fieldset class="cal-services">
          <legend>{t('Services')}</legend>
          {offered.map((s) => (
            <label key={s.id} class="cal-check">
              <input
                type="checkbox"
                checked={chosen.includes(s.id)}
                onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, s.id] : chosen.filter((x) => x !== s.id))}
                data-testid="cal-new-service"
                data-stream={s.stream}
              />
              {s.name} ({t('{n} h', { n: Number(s.standardHours) })})
            </label>
          ))}
        </fieldset>
        {slots.length > 0 && (
          <div class="cal-slots" data-testid="cal-slots">
            <p class="muted small">{t('Free times')}</p>
            {slots.map((s) => (
              <button
                type="button"
                key={`${s.startsAt}${s.technician?.id}`}
                class="btn btn-secondary"
                onClick={() => {
                  setWhen(toLocalInput(s.startsAt));
                  setBayId(s.bay?.id ?? '');
                  setTechId(s.technician?.id ?? '');
                }}
                data-testid="cal-slot"
              >
                {toLocalInput(s.startsAt).replace('T', ' ')} · {s.technician?.name} · {s.bay?.name}
              </button>
            ))}
          </div>
        )}
        <Field label={t('Starts at')}>
          {(p) => <input {...p} type="datetime-local" value={when} onInput={(e) => setWhen(e.currentTarget.value)} data-testid="cal-new-start" />}
        </Field>
        <Field label={t('Bay')}>
          {(p) => (
            <select {...p} value={bayId} onChange={(e) => setBayId(e.currentTarget.value)} data-testid="cal-new-bay">
              <option value="">—</option>
              {(resources?.bays ?? []).filter((b) => b.active && b.streams.includes(stream)).map((b) => (
                <option key={b.id} value={b.id}>{b.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('Technician')}>
          {(p) => (
            <select {...p} value={techId} onChange={(e) => setTechId(e.currentTarget.value)} data-testid="cal-new-technician">
              <option value="">—</option>
              {(resources?.users ?? []).filter((u) => u.streams.includes(stream)).map((u) => (
                <option key={u.id} value={u.id}>{u.name}</option>
              ))}
            </select>
          )}
        </Field>
        {isManager() && (
          <label class="cal-check">
            <input type="checkbox" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
            {t('Allow outside opening hours and shifts')}
          </label>
        )}
        <FormErrors errors={errors} testid="cal-new-errors" />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="cal-new-save">{t('Book')}</button>
      </form>
    </Panel>
  );
}
