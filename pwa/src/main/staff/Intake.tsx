// Reception: type a registration, see the vehicle and its owner (or enter them on the spot), open the job card,
// then assign a technician of the job's stream. A new vehicle may belong to a customer already on file (search as
// you type); a vehicle that already has an open job shows it and offers to open it rather than a second one; a VIN
// fills the make and model year where the VIN itself says so (vin.ts, offline).
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { formatNumber, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { href } from '../router';
import type { ScreenProps } from '../screens';
import { AssignForm, BOARD_JOB, type BoardJob, type Technician } from './Board';
import {
  ERRORS,
  EnumSelect,
  Failure,
  Field,
  FormErrors,
  REVENUE_STREAMS,
  STREAMS,
  ScreenTitle,
  SitePicker,
  errorsFor,
  failureMessage,
  mutate,
  newMutationId,
  otherErrors,
  revenueLabel,
  useQuery,
  useSite,
} from './common';
import { statusLabel, streamLabel } from '../../shared/labels';
import { formatMoney } from './billing/money';
import { OwnerSearch, type PickedOwner } from './OwnerPicker';
import { decodeVin, normaliseVin } from './vin';
import './reception.css';

interface FoundVehicle {
  id: string;
  registrationDisplay: string;
  make: string | null;
  model: string | null;
  year: number | null;
  colour: string | null;
  mileage: number | null;
  owner: { id: string; name: string; phone: string | null; email: string | null } | null;
  deferredWork: { id: string; description: string; amount: number; currency: string }[];
  jobs: { id: string; number: string; status: string; operationsStream: string; createdAt: string }[];
}

/** A job still in the workshop (not invoiced, not cancelled): a second one for the same vehicle is most often a slip. */
const CLOSED = ['INVOICED', 'CANCELLED'];

const LOOKUP = `query VehicleByRegistration($registration: String!) {
  vehicleByRegistration(registration: $registration) {
    id registrationDisplay make model year colour mileage owner { id name phone email }
    deferredWork { id description amount currency }
    jobs { id number status operationsStream createdAt }
  }
}`;
const CREATE_JOB = `mutation CreateJob($input: CreateJobInput!) { createJob(input: $input) { job { ${BOARD_JOB} } ${ERRORS} } }`;
const TECHNICIANS = `query Technicians { users(role: TECHNICIAN, active: true) { id name streams } }`;

type Lookup = { state: 'idle' } | { state: 'busy' } | { state: 'found'; vehicle: FoundVehicle } | { state: 'new'; registration: string } | { state: 'failed'; message: string };

const EMPTY_NEW = { vin: '', make: '', model: '', year: '', colour: '', kind: 'CAR', insuranceExpiry: '', ownerName: '', ownerKind: 'PERSON', ownerPhone: '', ownerEmail: '' };
const VEHICLE_KINDS = ['CAR', 'MOTORCYCLE'];
const CUSTOMER_KINDS = ['PERSON', 'COMPANY'];
const EMPTY_JOB = { operationsStream: 'MECHANICAL', revenueStream: 'WALK_IN', mileage: '', issues: '' };

export default function IntakeScreen(_props: ScreenProps) {
  const { sites, siteId, setSiteId, error: siteError } = useSite();
  const [registration, setRegistration] = useState('');
  const [lookup, setLookup] = useState<Lookup>({ state: 'idle' });
  const [fresh, setFresh] = useState(EMPTY_NEW);
  const [job, setJob] = useState(EMPTY_JOB);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, setMutationId] = useState(newMutationId);
  const [created, setCreated] = useState<BoardJob | null>(null);
  const [owner, setOwner] = useState<PickedOwner | null>(null);
  const [secondJob, setSecondJob] = useState(false);
  // the make and year the VIN filled in (a person's own typing is never overwritten)
  const [fromVin, setFromVin] = useState<{ make: string | null; year: string | null }>({ make: null, year: null });
  const techs = useQuery<{ users: Technician[] }>(TECHNICIANS, created ? {} : null);

  // a different registration is a different vehicle: forget the last lookup
  useEffect(() => {
    if (lookup.state === 'found' || lookup.state === 'new') {
      const shown = lookup.state === 'found' ? lookup.vehicle.registrationDisplay : lookup.registration;
      if (norm(shown) !== norm(registration)) setLookup({ state: 'idle' });
    }
    setSecondJob(false);
  }, [registration]);

  function typeVin(text: string) {
    const info = decodeVin(text);
    const next = { ...fresh, vin: text };
    const filled = { make: fromVin.make, year: fromVin.year };
    if (info.wellFormed && info.make && (!fresh.make.trim() || fresh.make === fromVin.make)) {
      next.make = info.make;
      filled.make = info.make;
    }
    if (info.wellFormed && info.year && (!fresh.year.trim() || fresh.year === fromVin.year)) {
      next.year = String(info.year);
      filled.year = String(info.year);
    }
    setFresh(next);
    setFromVin(filled);
  }

  async function find(e: Event) {
    e.preventDefault();
    const reg = registration.trim();
    if (!reg) {
      setErrors([{ field: 'registration', code: 'REQUIRED', message: t('Type the registration.') }]);
      return;
    }
    setErrors([]);
    setLookup({ state: 'busy' });
    try {
      const d = await authedGraphql<{ vehicleByRegistration: FoundVehicle | null }>(LOOKUP, { registration: reg });
      setLookup(d.vehicleByRegistration ? { state: 'found', vehicle: d.vehicleByRegistration } : { state: 'new', registration: reg });
    } catch (err) {
      setLookup({ state: 'failed', message: failureMessage(err) });
    }
  }

  function validate(): UserError[] {
    const out: UserError[] = [];
    if (!siteId) out.push({ field: 'siteId', code: 'REQUIRED', message: t('Choose a site.') });
    if (lookup.state === 'new') {
      const vin = normaliseVin(fresh.vin);
      if (vin) {
        const info = decodeVin(vin);
        if (!info.wellFormed)
          out.push({ field: 'newVehicle.vin', code: 'INVALID_VIN', message: t('A VIN has 17 letters and digits, without I, O or Q.') });
        else if (!info.checkDigitOk)
          out.push({ field: 'newVehicle.vin', code: 'INVALID_VIN', message: t("This VIN's check digit does not match: look for a mistyped character.") });
      }
      if (!owner && !fresh.ownerName.trim()) out.push({ field: 'newOwner.name', code: 'REQUIRED', message: t("Type the owner's name.") });
      if (fresh.year && !/^\d{4}$/.test(fresh.year.trim()))
        out.push({ field: 'newVehicle.year', code: 'INVALID_YEAR', message: t('Type a year such as 2019.') });
      if (fresh.ownerEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(fresh.ownerEmail.trim()))
        out.push({ field: 'newOwner.email', code: 'INVALID_EMAIL', message: t('Type a valid email address.') });
    }
    if (job.mileage && !/^\d{1,7}$/.test(job.mileage.trim()))
      out.push({ field: 'mileage', code: 'INVALID_MILEAGE', message: t('Type the mileage as a whole number.') });
    return out;
  }

  async function open(e: Event) {
    e.preventDefault();
    const problems = validate();
    setErrors(problems);
    if (problems.length) return;
    const input: Record<string, unknown> = {
      clientMutationId: mutationId,
      siteId,
      operationsStream: job.operationsStream,
      revenueStream: job.revenueStream,
      issuesReported: job.issues.trim() || null,
      mileage: job.mileage.trim() ? Number(job.mileage.trim()) : null,
    };
    if (lookup.state === 'found') input.vehicleId = lookup.vehicle.id;
    else if (lookup.state === 'new') {
      input.newVehicle = {
        registration: lookup.registration,
        vin: normaliseVin(fresh.vin) || null,
        make: fresh.make.trim() || null,
        model: fresh.model.trim() || null,
        year: fresh.year.trim() ? Number(fresh.year.trim()) : null,
        colour: fresh.colour.trim() || null,
        kind: fresh.kind,
        insuranceExpiry: fresh.insuranceExpiry || null,
      };
      if (owner) input.ownerId = owner.id;
      else
        input.newOwner = {
          name: fresh.ownerName.trim(),
          kind: fresh.ownerKind,
          phone: fresh.ownerPhone.trim() || null,
          email: fresh.ownerEmail.trim() || null,
        };
    }
    setBusy(true);
    const r = await mutate<{ job: BoardJob | null; errors: UserError[] }>(CREATE_JOB, input, 'createJob');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job && !r.errors.length) setCreated(r.payload.job);
    // a refusal is the server's final answer to this id: the corrected form is a new attempt with its own id
    else if (r.payload && r.errors.length) setMutationId(newMutationId());
  }

  function startOver() {
    setRegistration('');
    setLookup({ state: 'idle' });
    setFresh(EMPTY_NEW);
    setFromVin({ make: null, year: null });
    setOwner(null);
    setSecondJob(false);
    setJob(EMPTY_JOB);
    setErrors([]);
    setCreated(null);
    setMutationId(newMutationId());
  }

  if (created) {
    return (
      <section class="screen">
        <ScreenTitle>{t('Job card opened')}</ScreenTitle>
        <div class="card row" data-testid="created-job" data-job-number={created.number}>
          <div class="row-main">
            <a class="row-title" href={href(`jobs/${created.id}`)} data-testid="created-job-number">
              {created.number}
            </a>
            {created.vehicle && <span class="plate">{created.vehicle.registrationDisplay}</span>}
          </div>
          <p class="muted small">
            {streamLabel(created.operationsStream)} · {revenueLabel(created.revenueStream)}
            {created.customer && <> · {created.customer.name}</>}
          </p>
          <p data-testid="created-job-status">
            {statusLabel(created.status)}
            {created.technician && <> · {created.technician.name}</>}
          </p>
          {techs.error && <Failure message={techs.error} onRetry={techs.reload} />}
          {techs.data && (created.status === 'RECEIVED' || created.status === 'ASSIGNED') && (
            <AssignForm job={created} technicians={techs.data.users} onAssigned={setCreated} />
          )}
        </div>
        <button type="button" class="btn btn-secondary btn-block" onClick={startOver} data-testid="intake-next">
          {t('Receive another vehicle')}
        </button>
      </section>
    );
  }

  const shown = [
    'registration', 'siteId', 'vehicleId', 'ownerId', 'newVehicle.vin', 'newOwner.name', 'newOwner.phone', 'newOwner.email', 'newOwner.kind', 'newVehicle.registration', 'newVehicle.kind', 'newVehicle.insuranceExpiry',
    'newVehicle.make', 'newVehicle.model', 'newVehicle.year', 'newVehicle.colour', 'mileage', 'issuesReported',
    'operationsStream', 'revenueStream',
  ];
  const openJobs = lookup.state === 'found' ? lookup.vehicle.jobs.filter((j) => !CLOSED.includes(j.status)) : [];
  const vehicleKnown = (lookup.state === 'found' && (openJobs.length === 0 || secondJob)) || lookup.state === 'new';
  return (
    <section class="screen">
      <ScreenTitle>{t('Receive a vehicle')}</ScreenTitle>
      {siteError && <Failure message={siteError} />}
      <form class="card form" onSubmit={find} noValidate data-testid="lookup-form">
        <Field label={t('Registration')} errors={errorsFor(errors, 'registration', 'newVehicle.registration')}>
          {(p) => (
            <input
              {...p}
              value={registration}
              autocapitalize="characters"
              autocomplete="off"
              enterKeyHint="search"
              onInput={(e) => setRegistration(e.currentTarget.value)}
              data-testid="intake-registration"
            />
          )}
        </Field>
        <button type="submit" class="btn btn-secondary" disabled={lookup.state === 'busy'} data-testid="intake-find">
          {lookup.state === 'busy' ? t('Looking…') : t('Find vehicle')}
        </button>
        {lookup.state === 'failed' && <Failure message={lookup.message} />}
      </form>

      {lookup.state === 'found' && (
        <div class="card row" data-testid="found-vehicle">
          <div class="row-main">
            <a class="plate" href={href(`vehicles/${lookup.vehicle.id}`)} data-testid="found-vehicle-link">
              {lookup.vehicle.registrationDisplay}
            </a>
            <span class="muted small">
              {[lookup.vehicle.make, lookup.vehicle.model, lookup.vehicle.year, lookup.vehicle.colour].filter(Boolean).join(' · ')}
            </span>
          </div>
          {lookup.vehicle.owner ? (
            <p data-testid="found-owner">
              <a href={href(`customers/${lookup.vehicle.owner.id}`)}>{lookup.vehicle.owner.name}</a>
              {lookup.vehicle.owner.phone && <span class="muted small"> · {lookup.vehicle.owner.phone}</span>}
            </p>
          ) : (
            <p class="muted">{t('No owner on record')}</p>
          )}
          {lookup.vehicle.mileage != null && (
            <p class="muted small">{t('Last mileage: {km}', { km: formatNumber(lookup.vehicle.mileage) })}</p>
          )}
          {lookup.vehicle.deferredWork.length > 0 && (
            <div data-testid="deferred-work">
              <p class="small">
                <strong>{t('Work the customer put off last time')}</strong>
              </p>
              <ul class="small">
                {lookup.vehicle.deferredWork.map((w) => (
                  <li key={w.id} data-testid="deferred-item">
                    <span data-raw>{w.description}</span> · {formatMoney(w.amount, w.currency)}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}

      {openJobs.length > 0 && (
        <div class="card row open-job notice" role="status" data-testid="open-job">
          <p>
            <strong>{t('This vehicle already has an open job card.')}</strong>
          </p>
          <ul class="plain-list">
            {openJobs.map((j) => (
              <li key={j.id} data-testid="open-job-item" data-id={j.id}>
                <span>
                  {j.number} · {statusLabel(j.status)} · {streamLabel(j.operationsStream)}
                </span>
              </li>
            ))}
          </ul>
          <div class="actions">
            <a class="btn btn-primary" href={href(`jobs/${openJobs[0].id}`)} data-testid="open-job-link">
              {t('Open job card {number}', { number: openJobs[0].number })}
            </a>
            {!secondJob && (
              <button type="button" class="btn btn-secondary" onClick={() => setSecondJob(true)} data-testid="open-job-anyway">
                {t('Open another job anyway')}
              </button>
            )}
          </div>
        </div>
      )}

      {vehicleKnown && (
        <form class="card form" onSubmit={open} noValidate data-testid="job-form">
          {lookup.state === 'new' && (
            <fieldset class="group" data-testid="new-vehicle">
              <legend>{t('New vehicle and owner')}</legend>
              <p class="muted small">{t('No vehicle with this registration yet. Enter it and its owner.')}</p>
              <Field label={t('VIN (optional)')} errors={errorsFor(errors, 'newVehicle.vin')}>
                {(p) => (
                  <input
                    {...p}
                    value={fresh.vin}
                    autocapitalize="characters"
                    autocomplete="off"
                    spellcheck={false}
                    maxLength={24}
                    onInput={(e) => typeVin(e.currentTarget.value)}
                    data-testid="new-vin"
                  />
                )}
              </Field>
              <VinHint vin={fresh.vin} />
              <div class="two">
                <Field label={t('Make')} errors={errorsFor(errors, 'newVehicle.make')}>
                  {(p) => <input {...p} value={fresh.make} onInput={(e) => setFresh({ ...fresh, make: e.currentTarget.value })} data-testid="new-make" />}
                </Field>
                <Field label={t('Model')} errors={errorsFor(errors, 'newVehicle.model')}>
                  {(p) => <input {...p} value={fresh.model} onInput={(e) => setFresh({ ...fresh, model: e.currentTarget.value })} data-testid="new-model" />}
                </Field>
                <Field label={t('Year')} errors={errorsFor(errors, 'newVehicle.year')}>
                  {(p) => <input {...p} inputMode="numeric" value={fresh.year} onInput={(e) => setFresh({ ...fresh, year: e.currentTarget.value })} data-testid="new-year" />}
                </Field>
                <Field label={t('Colour')} errors={errorsFor(errors, 'newVehicle.colour')}>
                  {(p) => <input {...p} value={fresh.colour} onInput={(e) => setFresh({ ...fresh, colour: e.currentTarget.value })} data-testid="new-colour" />}
                </Field>
                <EnumSelect label={t('Vehicle kind')} errors={errorsFor(errors, 'newVehicle.kind')} values={VEHICLE_KINDS} labelOf={(k) => (k === 'MOTORCYCLE' ? t('Motorcycle') : t('Car'))} value={fresh.kind} onChange={(k) => setFresh({ ...fresh, kind: k })} testid="new-vehicle-kind" />
                <Field label={t('Compulsory insurance (พ.ร.บ.) expires')} errors={errorsFor(errors, 'newVehicle.insuranceExpiry')}>
                  {(p) => <input {...p} type="date" value={fresh.insuranceExpiry} onInput={(e) => setFresh({ ...fresh, insuranceExpiry: e.currentTarget.value })} data-testid="new-insurance-expiry" />}
                </Field>
              </div>
              <OwnerSearch picked={owner} onPick={setOwner} />
              {errorsFor(errors, 'ownerId').length > 0 && <p class="field-error">{errorsFor(errors, 'ownerId').join(' ')}</p>}
              {!owner && (
              <>
              <Field label={t("Owner's name")} errors={errorsFor(errors, 'newOwner.name', 'newOwner')}>
                {(p) => <input {...p} autocomplete="off" value={fresh.ownerName} onInput={(e) => setFresh({ ...fresh, ownerName: e.currentTarget.value })} data-testid="new-owner-name" />}
              </Field>
              <EnumSelect label={t('Kind')} errors={errorsFor(errors, 'newOwner.kind')} values={CUSTOMER_KINDS} labelOf={(k) => (k === 'COMPANY' ? t('Company') : t('Person'))} value={fresh.ownerKind} onChange={(k) => setFresh({ ...fresh, ownerKind: k })} testid="new-owner-kind" />
              <Field label={t('Phone')} errors={errorsFor(errors, 'newOwner.phone')}>
                {(p) => <input {...p} type="tel" autocomplete="off" value={fresh.ownerPhone} onInput={(e) => setFresh({ ...fresh, ownerPhone: e.currentTarget.value })} data-testid="new-owner-phone" />}
              </Field>
              <Field label={t('Email')} errors={errorsFor(errors, 'newOwner.email')}>
                {(p) => <input {...p} type="email" autocomplete="off" value={fresh.ownerEmail} onInput={(e) => setFresh({ ...fresh, ownerEmail: e.currentTarget.value })} data-testid="new-owner-email" />}
              </Field>
              </>
              )}
            </fieldset>
          )}

          {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
          {errorsFor(errors, 'siteId').length > 0 && <p class="field-error">{errorsFor(errors, 'siteId').join(' ')}</p>}
          <div class="two">
            <EnumSelect
              label={t('Operations stream')}
              errors={errorsFor(errors, 'operationsStream')}
              values={STREAMS}
              labelOf={streamLabel}
              value={job.operationsStream}
              onChange={(v) => setJob({ ...job, operationsStream: v })}
              testid="job-stream"
            />
            <EnumSelect
              label={t('Revenue stream')}
              errors={errorsFor(errors, 'revenueStream')}
              values={REVENUE_STREAMS}
              labelOf={revenueLabel}
              value={job.revenueStream}
              onChange={(v) => setJob({ ...job, revenueStream: v })}
              testid="job-revenue"
            />
          </div>
          <Field label={t('Mileage')} errors={errorsFor(errors, 'mileage', 'mileageReason')}>
            {(p) => <input {...p} inputMode="numeric" value={job.mileage} onInput={(e) => setJob({ ...job, mileage: e.currentTarget.value })} data-testid="job-mileage" />}
          </Field>
          <Field label={t('Issues reported')} errors={errorsFor(errors, 'issuesReported')}>
            {(p) => <textarea {...p} rows={3} value={job.issues} onInput={(e) => setJob({ ...job, issues: e.currentTarget.value })} data-testid="job-issues" />}
          </Field>
          <FormErrors errors={otherErrors(errors, shown)} testid="job-errors" />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="job-open">
            {busy ? t('Opening…') : t('Open job card')}
          </button>
        </form>
      )}
    </section>
  );
}

/** What the VIN says, under its field: the maker and model year, or that it carries no year. */
function VinHint({ vin }: { vin: string }) {
  const info = decodeVin(vin);
  if (info.wellFormed && !info.checkDigitOk) {
    return (
      <p class="field-error small vin-hint" data-testid="vin-hint" data-check="bad">
        {t("This VIN's check digit does not match: look for a mistyped character.")}
      </p>
    );
  }
  if (!info.wellFormed || (!info.make && !info.year)) return null;
  const text = info.year
    ? t('From the VIN: {make}, model year {year}', { make: info.make ?? t('unknown maker'), year: info.year })
    : t('From the VIN: {make} (this VIN does not give the model year)', { make: info.make ?? t('unknown maker') });
  return (
    <p class="muted small vin-hint" data-testid="vin-hint">
      {text}
    </p>
  );
}

function norm(s: string): string {
  return s.replace(/[\s-]/g, '').toUpperCase();
}
