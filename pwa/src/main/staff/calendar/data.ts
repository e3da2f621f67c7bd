// The calendar's documents, types and the garage-local time arithmetic of its grid.
import { authStore } from '../../../shared/auth';
import { intlLocale, t } from '../../../shared/i18n';
import { ERRORS } from '../common';

export { fromLocalInput, toLocalInput } from '../Attendance';

export interface Ref {
  id: string;
  name: string;
}
export interface Alloc {
  id: string;
  startsAt: string;
  endsAt: string;
  bay: Ref | null;
  technician: Ref | null;
}
export interface Appointment {
  id: string;
  status: 'REQUESTED' | 'CONFIRMED' | 'ARRIVED' | 'NO_SHOW' | 'CANCELLED';
  version: number;
  statusReason: string | null;
  notes: string | null;
  estimatedHours: string;
  requestedAt: string | null;
  stream: string;
  services: { taskActionId: string; name: string; hours: string }[];
  vehicle: { id: string; registration: string; make: string | null; model: string | null } | null;
  customer: { id: string; name: string } | null;
  job: { id: string; number: string } | null;
  allocations: Alloc[];
}
export interface Block extends Alloc {
  appointment: Appointment;
}
export interface Row {
  bay: Ref | null;
  technician: Ref | null;
  allocations: Block[];
}
export interface Week {
  weekCalendar: {
    startsAt: string;
    endsAt: string;
    days: string[];
    rows: Row[];
    unallocated: Appointment[];
  };
  capacity: { day: string; bookedHours: number; availableHours: number }[];
}

const APPOINTMENT = `id status version statusReason notes estimatedHours requestedAt stream
  services { taskActionId name hours } vehicle { id registration make model }
  customer { id name } job { id number }
  allocations { id startsAt endsAt bay { id name } technician { id name } }`;

// tests/scheduling/test_working_time.py asserts its statement count for 10 and 100 appointments: keep them alike
export const WEEK = `query CalendarWeek($siteId: ID!, $weekStart: Date!, $by: CalendarBy!, $from: Date!, $to: Date!) {
  weekCalendar(siteId: $siteId, weekStart: $weekStart, by: $by) { startsAt endsAt days
    rows { bay { id name } technician { id name }
      allocations { id startsAt endsAt bay { id name } technician { id name } appointment { ${APPOINTMENT} } } }
    unallocated { ${APPOINTMENT} } }
  capacity(siteId: $siteId, from: $from, to: $to) { day bookedHours availableHours } }`;

export const LIVE = `subscription AppointmentsLive($siteId: ID!) { appointmentsChanged(siteId: $siteId) { id version status } }`;

export const MOVE = `mutation MoveAppointment($input: MoveAppointmentInput!) { moveAppointment(input: $input) {
  appointment { ${APPOINTMENT} } ${ERRORS} } }`;
export const CANCEL = `mutation CancelAppointment($input: EndAppointmentInput!) { cancelAppointment(input: $input) {
  appointment { ${APPOINTMENT} } ${ERRORS} } }`;
export const NO_SHOW = `mutation MarkAppointmentNoShow($input: EndAppointmentInput!) { markAppointmentNoShow(input: $input) {
  appointment { ${APPOINTMENT} } ${ERRORS} } }`;
export const ARRIVE = `mutation MarkAppointmentArrived($input: ArriveAppointmentInput!) { markAppointmentArrived(input: $input) {
  appointment { id status version } job { id number } ${ERRORS} } }`;
export const CREATE = `mutation CreateAppointment($input: CreateAppointmentInput!) { createAppointment(input: $input) {
  appointment { ${APPOINTMENT} } ${ERRORS} } }`;
export const RESOURCES = `query CalendarResources($siteId: ID!) { bays(siteId: $siteId) { id name active streams }
  users(role: TECHNICIAN, active: true) { id name streams } openingHours(siteId: $siteId) { weekday opens closes } }`;
export const SERVICES = `query CalendarServices { taskActions(active: true) { id name stream standardHours } }`;
export const VEHICLE = `query CalendarVehicle($registration: String!) {
  vehicleByRegistration(registration: $registration) { id registration registrationDisplay make model owner { id name } } }`;
export const SLOTS = `query CalendarSlots($siteId: ID!, $stream: OperationsStream!, $hours: Decimal!, $from: DateTime!) {
  availableSlots(siteId: $siteId, stream: $stream, hours: $hours, from: $from, days: 14, limit: 6) {
    startsAt endsAt bay { id name } technician { id name } } }`;
export const ARRIVALS = `query ArrivalsToday($siteId: ID!) { arrivalsToday(siteId: $siteId) { ${APPOINTMENT} } }`;

export interface Resources {
  bays: { id: string; name: string; active: boolean; streams: string[] }[];
  users: { id: string; name: string; streams: string[] }[];
  openingHours: { weekday: number; opens: string; closes: string }[];
}

export function statusName(s: string): string {
  switch (s) {
    case 'REQUESTED':
      return t('Booking requested');
    case 'CONFIRMED':
      return t('Confirmed');
    case 'ARRIVED':
      return t('Vehicle arrived');
    case 'NO_SHOW':
      return t('No-show');
    case 'CANCELLED':
      return t('Cancelled');
    default:
      return s;
  }
}

// ---- garage-local days and minutes --------------------------------------------------------------------------------

export function zone(): string | undefined {
  const s = authStore.get();
  return (s.status === 'signedIn' && s.user.garage?.timeZone) || undefined;
}

/** "YYYY-MM-DD" of a moment in the garage's zone. */
export function localDay(iso: string | number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** Minutes since local midnight of a moment. */
export function localMinute(iso: string | number): number {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone: zone(), hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(iso));
  const get = (k: string) => Number(p.find((x) => x.type === k)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export const pad = (n: number) => String(n).padStart(2, '0');
export const hhmm = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;

/** A day "YYYY-MM-DD" plus n days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday of the week of a day. */
export function mondayOf(day: string): string {
  const wd = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -wd);
}

export function weekdayOf(day: string): number {
  return (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
}

export function blockLabel(a: Appointment): string {
  return [a.customer?.name, a.vehicle?.registration].filter(Boolean).join(' · ');
}

/** A day's column heading, "Mon 22 Mar" / "จ. 22 มี.ค.". */
export function dayHead(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** appointments:manage (book, move, arrive): site managers and admins; the workshop manager reads. */
export function canBook(): boolean {
  const s = authStore.get();
  return s.status === 'signedIn' && ['SITE_MANAGER', 'ADMIN'].includes(s.user.role);
}

/** scheduling:manage: whoever sets the opening hours may book past them (the outsideHours override). */
export function isManager(): boolean {
  return canBook();
}
