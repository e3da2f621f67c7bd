// The booking page (/b/#<token>, from a reminder, the portal or an appointment's message): pick services and a free
// time, confirm with your name and a one-time code; then confirm, move or cancel the visit until the cut-off.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { askBooking, errorCode } from './api';
import { formatDateTime, formatDay, formatNumber, intlLocale, setLocale, setTimeZoneSource, t, toLocale, type Locale } from './i18n';
import { LinkProblem } from './LinkProblem';
import { Bar, Contact } from './Portal';
import { failure } from './QuoteCard';
import {
  BOOK_APPOINTMENT, BOOKING_QUERY, BOOKING_SLOTS, CANCEL_BOOKING, CONFIRM_BOOKING, MOVE_BOOKING, REQUEST_BOOKING_CODE,
  SET_BOOKING_LOCALE,
} from './queries';
import type { UserError } from './types';

interface Service { id: string; name: string; hours: string; stream: string }
interface Booked {
  status: string; statusLabel: string; startsAt: string | null; endsAt: string | null; services: string[];
  serviceIds: string[]; hours: string; canChange: boolean; customerConfirmed: boolean;
}
interface BookingData {
  locale: string; timeZone: string; mode: 'INSTANT' | 'REQUEST'; cutoffHours: number; siteName: string;
  customerName: string; canSendSms: boolean; canSendEmail: boolean; stopSmsUrl: string | null;
  garage: { name: string; phone: string | null; email: string | null; address: string | null };
  vehicle: { registration: string; make: string | null; model: string | null };
  services: Service[];
  appointment: Booked | null;
  openingHours: Opening[];
  closedDays: { day: string; name: string }[];
}
interface Opening { weekday: number; opensMinute: number; closesMinute: number }
interface Slot { startsAt: string; endsAt: string }
type State = { kind: 'loading' } | { kind: 'ready'; data: BookingData } | { kind: 'problem'; code: string; extra: Record<string, unknown> };

let zone: string | null = null;
setTimeZoneSource(() => zone); // the garage's time zone: a slot reads as the garage's clock shows it

const OPEN = ['REQUESTED', 'CONFIRMED'];

export function Booking() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const chosenLocale = useRef(false);
  const load = useCallback(async () => {
    try {
      const { booking } = await askBooking<{ booking: BookingData }>(BOOKING_QUERY);
      zone = booking.timeZone;
      const locale = toLocale(booking.locale);
      if (locale && !chosenLocale.current) setLocale(locale);
      setState({ kind: 'ready', data: booking });
    } catch (e) {
      const code = errorCode(e);
      const first = (e as { errors?: { message?: string; extensions?: Record<string, unknown> }[] }).errors?.[0];
      const spoken = first?.message && /[\u0E00-\u0E7F]/.test(first.message) ? 'th' : first?.message ? 'en' : undefined;
      setState({ kind: 'problem', code, extra: { locale: spoken, ...first?.extensions } });
    }
  }, []);
  useEffect(() => void load(), [load]);

  const switchTo = async (locale: Locale) => {
    chosenLocale.current = true;
    setLocale(locale);
    try {
      await askBooking(SET_BOOKING_LOCALE, { locale });
    } catch {
      /* the page still switches */
    }
    void load(); // service names and status words come from the server in the language chosen
  };

  if (state.kind === 'problem') return <LinkProblem code={state.code} extra={state.extra} onRetry={() => location.reload()} />;
  if (state.kind === 'loading') {
    return (
      <div class="p-page">
        <Bar garage={null} onSwitch={switchTo} />
        <main id="main" class="p-main" aria-busy="true"><p class="p-muted" role="status">{t('Loading…')}</p></main>
      </div>
    );
  }
  const { data } = state;
  const open = data.appointment && OPEN.includes(data.appointment.status) ? data.appointment : null;
  return (
    <div class="p-page">
      <Bar garage={{ ...data.garage, promptPayId: null }} onSwitch={switchTo} />
      <main id="main" class="p-main" data-testid="booking">
        <section class="p-card" aria-labelledby="b-car-h">
          <h1 id="b-car-h" class="p-h1">
            <span class="p-plate">{data.vehicle.registration}</span> {[data.vehicle.make, data.vehicle.model].filter(Boolean).join(' ')}
          </h1>
          <p class="p-muted">{t('Book a visit at {site}', { site: data.siteName || data.garage.name })}</p>
        </section>
        {open ? <Appointment data={data} appointment={open} onChanged={load} />
          : <BookingForm data={data} previous={data.appointment} onBooked={load} />}
      </main>
      <footer class="p-foot">
        <Contact garage={data.garage} />
        {data.stopSmsUrl && (
          <p class="p-muted p-optout">
            <a href={data.stopSmsUrl} rel="noreferrer" data-testid="booking-stop-sms">{t('Stop text messages from us')}</a>
          </p>
        )}
      </footer>
    </div>
  );
}

function hoursText(hours: string): string {
  return t('{hours} h', { hours: formatNumber(Number(hours), 2) });
}

function Errors({ errors, skip = [] }: { errors: UserError[]; skip?: string[] }) {
  const shown = errors.filter((e) => !e.field || !skip.includes(e.field));
  if (!shown.length) return null;
  return (
    <div class="p-error" role="alert" data-testid="booking-error" data-code={shown[0].code}>
      {shown.map((e) => <p key={`${e.code}-${e.field}`}>{e.message}</p>)}
    </div>
  );
}

function useRun() {
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<UserError[]>) => {
    setBusy(true);
    try {
      setErrors(await work());
    } catch (e) {
      setErrors([failure(e)]);
    } finally {
      setBusy(false);
    }
  };
  return { errors, setErrors, busy, run };
}

/** Free times grouped by day (the garage's day), each a button; `chosen` is pressed. */
function Slots({ slots, chosen, onPick }: { slots: Slot[]; chosen: string | null; onPick: (s: string) => void }) {
  const days = new Map<string, Slot[]>();
  for (const s of slots) {
    const day = formatDateTime(s.startsAt).replace(/[ ,]*\d{1,2}:\d{2}$/, '');
    days.set(day, [...(days.get(day) ?? []), s]);
  }
  return (
    <div class="b-days" data-testid="booking-slots">
      {[...days.entries()].map(([day, list]) => (
        <fieldset key={day} class="b-day">
          <legend class="p-h3">{day}</legend>
          <div class="b-times">
            {list.map((s) => (
              <button type="button" key={s.startsAt} class="p-btn b-time" aria-pressed={chosen === s.startsAt}
                data-testid="booking-slot" data-starts={s.startsAt} onClick={() => onPick(s.startsAt)}>
                {formatDateTime(s.startsAt).slice(-5)}
              </button>
            ))}
          </div>
        </fieldset>
      ))}
    </div>
  );
}

/** The UTC instant of a wall-clock time (date YYYY-MM-DD, minutes from midnight) in a time zone, as ISO. */
export function zonedIso(date: string, minutes: number, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const wanted = Date.UTC(y, m - 1, d, Math.floor(minutes / 60), minutes % 60);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
  let guess = wanted;
  for (let i = 0; i < 2; i++) { // the zone's offset at the guess, then again at the corrected instant (summer time)
    const p = Object.fromEntries(parts.formatToParts(new Date(guess)).map((x) => [x.type, x.value]));
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    guess += wanted - shown;
  }
  return new Date(guess).toISOString();
}

function localToday(timeZone: string, plusDays = 0): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + plusDays * 86400000));
  return day;
}

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const weekdayOf = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // 0 = Monday
const plusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
/** A weekday's name (0 = Monday) in the page's language: "Sunday" / "วันอาทิตย์". */
const weekdayName = (weekday: number, style: 'long' | 'short') =>
  new Intl.DateTimeFormat(intlLocale(), { weekday: style, timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + weekday)));

/** Why a day cannot be asked for ('' when it can): a closed day of the site by its name, or a weekday the site does
 * not open. */
function closedReason(day: string, data: BookingData): string {
  const holiday = data.closedDays.find((c) => c.day === day);
  if (holiday) return t('Closed: {name}', { name: holiday.name });
  if (!data.openingHours.some((o) => o.weekday === weekdayOf(day))) return t('Closed every {weekday}', { weekday: weekdayName(weekdayOf(day), 'long') });
  return '';
}

/** A month of days (Monday first) from today to 90 days ahead: the days the site is closed are disabled, and the
 * month's closed days are listed under it with their reason. */
function DayPicker({ data, day, onPick }: { data: BookingData; day: string; onPick: (d: string) => void }) {
  const first = localToday(data.timeZone);
  const last = localToday(data.timeZone, 90);
  const [month, setMonth] = useState(first.slice(0, 7));
  const start = `${month}-01`;
  const cells: (string | null)[] = Array.from({ length: weekdayOf(start) }, () => null);
  for (let d = start; d.slice(0, 7) === month; d = plusDays(d, 1)) cells.push(d);
  const shift = (n: number) => {
    const [y, m] = month.split('-').map(Number);
    setMonth(new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7));
  };
  const title = new Intl.DateTimeFormat(intlLocale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${start}T00:00:00Z`));
  const closedWeekdays = [0, 1, 2, 3, 4, 5, 6].filter((w) => !data.openingHours.some((o) => o.weekday === w));
  const holidays = data.closedDays.filter((c) => c.day.startsWith(month) && c.day >= first && c.day <= last);
  return (
    <div class="b-cal" data-testid="booking-ask-day" data-month={month}>
      <div class="b-cal-head">
        <button type="button" class="p-btn b-cal-nav" disabled={month <= first.slice(0, 7)} onClick={() => shift(-1)}
          aria-label={t('Previous month')} data-testid="booking-month-prev">‹</button>
        <span class="p-h3" aria-live="polite">{title}</span>
        <button type="button" class="p-btn b-cal-nav" disabled={month >= last.slice(0, 7)} onClick={() => shift(1)}
          aria-label={t('Next month')} data-testid="booking-month-next">›</button>
      </div>
      <div class="b-cal-grid" role="group" aria-label={title}>
        {[0, 1, 2, 3, 4, 5, 6].map((w) => <span key={`h${w}`} class="b-cal-wd" aria-hidden="true">{weekdayName(w, 'short')}</span>)}
        {cells.map((d, i) => {
          if (!d) return <span key={`e${i}`} />;
          const reason = closedReason(d, data);
          const outside = d < first || d > last;
          return (
            <button type="button" key={d} class={`b-cal-day${reason ? ' b-closed' : ''}`} disabled={!!reason || outside}
              aria-pressed={day === d} aria-label={reason ? `${formatDay(d)}: ${reason}` : formatDay(d)} title={reason || undefined}
              data-testid="booking-day" data-day={d} data-closed={reason ? 'true' : undefined} onClick={() => onPick(d)}>
              {Number(d.slice(8))}
            </button>
          );
        })}
      </div>
      {(closedWeekdays.length > 0 || holidays.length > 0) && (
        <ul class="b-cal-closed" data-testid="booking-closed-days" aria-label={t('Days the garage is closed')}>
          {closedWeekdays.length > 0 && (
            <li>{t('Closed every {weekday}', { weekday: closedWeekdays.map((w) => weekdayName(w, 'long')).join(', ') })}</li>
          )}
          {holidays.map((c) => <li key={c.day} data-day={c.day}>{formatDay(c.day)}: {t('Closed: {name}', { name: c.name })}</li>)}
        </ul>
      )}
    </div>
  );
}

/** REQUEST mode: a day the site is open and a time within its opening hours, in the garage's zone. */
function AskTime({ data, hours, onPick }: { data: BookingData; hours: number; onPick: (iso: string | null) => void }) {
  const [day, setDay] = useState('');
  const [minute, setMinute] = useState('');
  const weekday = day ? weekdayOf(day) : null;
  const ranges = data.openingHours.filter((o) => o.weekday === weekday);
  const times: number[] = [];
  for (const r of ranges) {
    for (let m = r.opensMinute; m + hours * 60 <= r.closesMinute || (m === r.opensMinute && m < r.closesMinute); m += 30) times.push(m);
  }
  const pick = (d: string, m: string) => {
    setDay(d);
    setMinute(m);
    onPick(d && m !== '' ? zonedIso(d, Number(m), data.timeZone) : null);
  };
  return (
    <fieldset class="b-ask" data-testid="booking-ask">
      <legend class="p-h3">{t('Or ask for a time of your own')}</legend>
      <span>{t('Day')}</span>
      <DayPicker data={data} day={day} onPick={(d) => pick(d, '')} />
      {day && ranges.length > 0 && (
        <label class="p-field" for="b-ask-time">
          <span>{t('Time you would like on {day}', { day: formatDay(day) })}</span>
          <select id="b-ask-time" value={minute} data-testid="booking-ask-time" onChange={(e) => pick(day, (e.target as HTMLSelectElement).value)}>
            <option value="">{t('Pick a time')}</option>
            {times.map((m) => <option key={m} value={String(m)}>{clock(m)}</option>)}
          </select>
        </label>
      )}
    </fieldset>
  );
}

function useSlots(serviceIds: string[]) {
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const { errors, busy, run, setErrors } = useRun();
  const find = () =>
    run(async () => {
      const r = await askBooking<{ bookingSlots: { slots: Slot[]; errors: UserError[] } }>(BOOKING_SLOTS, { serviceIds });
      setSlots(r.bookingSlots.errors.length ? null : r.bookingSlots.slots);
      return r.bookingSlots.errors;
    });
  return { slots, setSlots, errors, setErrors, busy, find };
}

function BookingForm({ data, previous, onBooked }: { data: BookingData; previous: Booked | null; onBooked: () => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const { slots, setSlots, errors: slotErrors, busy: finding, find } = useSlots(picked);
  const [name, setName] = useState(data.customerName);
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const [sentBy, setSentBy] = useState<string | null>(null);
  const { errors, busy, run } = useRun();
  const at = (field: string) => errors.find((e) => e.field === field)?.message;
  const toggle = (id: string) => {
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
    setSlots(null);
    setChosen(null);
  };
  const hours = data.services.filter((s) => picked.includes(s.id)).reduce((n, s) => n + Number(s.hours), 0);
  const requestCode = (channel: 'SMS' | 'EMAIL') =>
    run(async () => {
      const r = await askBooking<{ requestBookingCode: { sent: boolean; errors: UserError[] } }>(REQUEST_BOOKING_CODE, { channel });
      if (r.requestBookingCode.sent) setSentBy(channel);
      return r.requestBookingCode.errors;
    });
  const submit = (ev: Event) => {
    ev.preventDefault();
    void run(async () => {
      const r = await askBooking<{ bookAppointment: { errors: UserError[] } }>(BOOK_APPOINTMENT, {
        input: { serviceIds: picked, startsAt: chosen, name: name.trim(), code: code.trim(), note: note.trim() || null },
      });
      if (!r.bookAppointment.errors.length) onBooked();
      else if (r.bookAppointment.errors.some((e) => e.code === 'SLOT_TAKEN')) void find();
      return r.bookAppointment.errors;
    });
  };
  if (!data.services.length) {
    return <section class="p-card"><p data-testid="booking-none">{t('Online booking is not open yet. Please call the garage.')}</p></section>;
  }
  return (
    <>
      {previous && (
        <p class="p-card p-muted" data-testid="booking-previous" data-status={previous.status}>
          {t('Your appointment on {when} is {status}.', { when: formatDateTime(previous.startsAt), status: previous.statusLabel })}
        </p>
      )}
      <section class="p-card" aria-labelledby="b-services-h">
        <h2 id="b-services-h" class="p-h2">{t('1. What should we do?')}</h2>
        <ul class="p-list">
          {data.services.map((s) => (
            <li key={s.id}>
              <button type="button" class="p-btn b-service" aria-pressed={picked.includes(s.id)} data-testid="booking-service"
                data-id={s.id} onClick={() => toggle(s.id)}>
                <span class="b-service-name">{s.name}</span>
                <span class="p-muted">{hoursText(s.hours)}</span>
              </button>
            </li>
          ))}
        </ul>
        {picked.length > 0 && <p data-testid="booking-hours">{t('About {hours} in the workshop.', { hours: hoursText(String(hours)) })}</p>}
        <button type="button" class="p-btn p-primary" disabled={!picked.length || finding} data-testid="booking-find" onClick={() => void find()}>
          {t('Show free times')}
        </button>
        <Errors errors={slotErrors} />
      </section>
      {slots && (
        <section class="p-card" aria-labelledby="b-slots-h">
          <h2 id="b-slots-h" class="p-h2">{data.mode === 'INSTANT' ? t('2. Pick a time') : t('2. Pick the time you would like')}</h2>
          {data.mode === 'REQUEST' && <p class="p-muted">{t('The garage confirms the time with you.')}</p>}
          {slots.length ? <Slots slots={slots} chosen={chosen} onPick={setChosen} />
            : <p data-testid="booking-no-slots">{data.mode === 'REQUEST' ? t('No free time in the next two weeks: ask for a time below.')
              : t('No free time in the next two weeks. Please call the garage.')}</p>}
          {data.mode === 'REQUEST' && data.openingHours.length > 0 && <AskTime data={data} hours={hours} onPick={setChosen} />}
        </section>
      )}
      {chosen && (
        <form class="p-card p-confirm" onSubmit={submit} data-testid="booking-confirm" aria-labelledby="b-confirm-h">
          <h2 id="b-confirm-h" class="p-h2">{t('3. Confirm')}</h2>
          <p data-testid="booking-chosen">{t('{when} at {site}', { when: formatDateTime(chosen), site: data.siteName })}</p>
          <label class="p-field" for="b-name">
            <span>{t('Your full name')}</span>
            <input id="b-name" autocomplete="name" required value={name} data-testid="booking-name"
              aria-invalid={at('name') ? true : undefined} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
            {at('name') && <span class="p-error" role="alert">{at('name')}</span>}
          </label>
          <label class="p-field" for="b-note">
            <span>{t('Anything we should know? (optional)')}</span>
            <input id="b-note" value={note} data-testid="booking-note" onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          </label>
          <div class="p-send" role="group" aria-label={t('Get a one-time code')}>
            {data.canSendSms && (
              <button type="button" class="p-btn" disabled={busy} onClick={() => void requestCode('SMS')} data-testid="booking-code-sms">
                {t('Send a code by SMS')}
              </button>
            )}
            {data.canSendEmail && (
              <button type="button" class="p-btn" disabled={busy} onClick={() => void requestCode('EMAIL')} data-testid="booking-code-email">
                {t('Send a code by e-mail')}
              </button>
            )}
          </div>
          <p role="status" data-testid="booking-code-sent">
            {sentBy === 'SMS' ? t('We sent a code by SMS to the phone number we have for you.')
              : sentBy === 'EMAIL' ? t('We sent a code to the e-mail address we have for you.') : ''}
          </p>
          <label class="p-field" for="b-code">
            <span>{t('One-time code')}</span>
            <input id="b-code" inputMode="numeric" autocomplete="one-time-code" required value={code} data-testid="booking-code"
              aria-invalid={at('code') ? true : undefined} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
            {at('code') && <span class="p-error" role="alert" data-testid="booking-code-error">{at('code')}</span>}
          </label>
          <Errors errors={errors} skip={['name', 'code']} />
          <button type="submit" class="p-btn p-primary" disabled={busy} data-testid="booking-submit">
            {data.mode === 'INSTANT' ? t('Book this time') : t('Send my request')}
          </button>
        </form>
      )}
    </>
  );
}

function Appointment({ data, appointment, onChanged }: { data: BookingData; appointment: Booked; onChanged: () => void }) {
  const [moving, setMoving] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [chosen, setChosen] = useState<string | null>(null);
  const { slots, errors: slotErrors, find } = useSlots(appointment.serviceIds);
  const { errors, busy, run } = useRun();
  const change = (query: string, variables: Record<string, unknown>, key: string) =>
    run(async () => {
      const r = await askBooking<Record<string, { errors: UserError[] }>>(query, variables);
      if (!r[key].errors.length) {
        setMoving(false);
        setCancelling(false);
        onChanged();
      }
      return r[key].errors;
    });
  return (
    <section class="p-card" aria-labelledby="b-appt-h" data-testid="booking-appointment" data-status={appointment.status}>
      <h2 id="b-appt-h" class="p-h2">{t('Your appointment')}</h2>
      <p class="p-status" data-testid="booking-status">{appointment.statusLabel}</p>
      <p class="b-when" data-testid="booking-when">{formatDateTime(appointment.startsAt)}</p>
      <p>{appointment.services.join(', ')} · {hoursText(appointment.hours)}</p>
      {appointment.status === 'REQUESTED' && <p class="p-muted">{t('The garage will confirm the time with you.')}</p>}
      {appointment.customerConfirmed && <p class="p-decided p-approved" data-testid="booking-attending">{t('Thank you: we expect you.')}</p>}
      {appointment.canChange ? (
        <div class="b-actions">
          {appointment.status === 'CONFIRMED' && !appointment.customerConfirmed && (
            <button type="button" class="p-btn p-primary" disabled={busy} data-testid="booking-attend"
              onClick={() => void change(CONFIRM_BOOKING, {}, 'confirmBooking')}>{t('I will be there')}</button>
          )}
          <button type="button" class="p-btn" disabled={busy} aria-expanded={moving} data-testid="booking-move"
            onClick={() => { setMoving(!moving); setCancelling(false); if (!moving) void find(); }}>{t('Move')}</button>
          <button type="button" class="p-btn" disabled={busy} aria-expanded={cancelling} data-testid="booking-cancel"
            onClick={() => { setCancelling(!cancelling); setMoving(false); }}>{t('Cancel the appointment')}</button>
        </div>
      ) : (
        <p class="p-hint" data-testid="booking-too-late">
          {t('Less than {hours} hours before the appointment: please call the garage to change it.', { hours: data.cutoffHours })}
        </p>
      )}
      {moving && slots && (
        <div class="p-confirm">
          <Slots slots={slots} chosen={chosen} onPick={setChosen} />
          <button type="button" class="p-btn p-primary" disabled={!chosen || busy} data-testid="booking-move-submit"
            onClick={() => void change(MOVE_BOOKING, { startsAt: chosen }, 'moveBooking')}>{t('Move to this time')}</button>
        </div>
      )}
      {cancelling && (
        <div class="p-confirm">
          <p>{t('Cancel your appointment on {when}?', { when: formatDateTime(appointment.startsAt) })}</p>
          <button type="button" class="p-btn p-primary" disabled={busy} data-testid="booking-cancel-yes"
            onClick={() => void change(CANCEL_BOOKING, {}, 'cancelBooking')}>{t('Yes, cancel it')}</button>
        </div>
      )}
      <Errors errors={[...slotErrors, ...errors]} />
      <p class="p-muted">{t('You can move or cancel it here until {hours} hours before.', { hours: data.cutoffHours })}</p>
    </section>
  );
}
