// The appointment calendar of a site: a day view (rows = bays or technicians, columns = hours) and a week view
// (columns = days), each appointment a block coloured by its status. Tap a block for its panel (confirm, move by
// form, arrived -> the job card, no-show or cancel with a reason); drag it (pointer events, so touch too) to another
// row and time; tap an empty slot to book. The header shows each day's booked / available hours. Live: the site's
// appointmentsChanged subscription reloads the view, so two people on the same site see each other's changes.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { authStore } from '../../../shared/auth';
import { formatDate, formatDateTime, t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import { enqueue, useOutbox } from '../../../shared/outbox';
import { useStore } from '../../../shared/store';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { href } from '../../router';
import { useMedia } from '../../useMedia';
import { LiveBadge } from '../Board';
import { Failure, FormErrors, Loading, ScreenTitle, SitePicker, mutate, newMutationId, useQuery, useSite } from '../common';
import { AppointmentPanel, NewAppointmentPanel } from './Panel';
import {
  LIVE,
  MOVE,
  RESOURCES,
  WEEK,
  addDays,
  blockLabel,
  canBook,
  dayHead,
  fromLocalInput,
  hhmm,
  localDay,
  localMinute,
  mondayOf,
  statusName,
  weekdayOf,
  type Alloc,
  type Appointment,
  type Block,
  type Resources,
  type Row,
  type Week,
} from './data';
import './calendar.css';

type View = 'day' | 'week';
type By = 'BAY' | 'TECHNICIAN';
const SNAP = 30; // minutes

function rowKey(r: Row): string {
  return (r.bay ?? r.technician)?.id ?? '';
}

/** The allocations of an appointment with one of them moved to a new bay / technician / time. */
export function movedAllocations(a: Appointment, moved: Alloc, to: { bayId: string; technicianId: string; startsAt: string; endsAt: string }) {
  return a.allocations.map((x) =>
    x.id === moved.id
      ? to
      : { bayId: x.bay?.id ?? '', technicianId: x.technician?.id ?? '', startsAt: x.startsAt, endsAt: x.endsAt },
  );
}

function span(res: Resources | null, days: string[]): [number, number] {
  let open = 8 * 60;
  let close = 18 * 60;
  const hours = res?.openingHours.filter((h) => days.some((d) => weekdayOf(d) === h.weekday)) ?? [];
  if (hours.length) {
    const m = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3, 5));
    open = Math.min(...hours.map((h) => m(h.opens)));
    close = Math.max(...hours.map((h) => m(h.closes)));
  }
  return [Math.floor(open / 60) * 60, Math.ceil(close / 60) * 60];
}

export default function CalendarScreen(_props: ScreenProps) {
  const wide = useMedia('(min-width: 768px)');
  const { sites, siteId, setSiteId, error: siteError } = useSite();
  const [view, setView] = useState<View>(wide ? 'week' : 'day');
  const [by, setBy] = useState<By>('TECHNICIAN');
  const [day, setDay] = useState(() => localDay(Date.now()));
  const [selected, setSelected] = useState<{ appointment: Appointment; alloc: Alloc | null } | null>(null);
  const [creating, setCreating] = useState<{ startsAt: string; bayId?: string; technicianId?: string } | null>(null);
  const [problem, setProblem] = useState<UserError[]>([]);
  useStore(authStore);

  const weekStart = view === 'week' ? mondayOf(day) : day;
  const days = view === 'week' ? Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)) : [day];
  const variables = siteId
    ? { siteId, weekStart: view === 'week' ? weekStart : day, by, from: days[0], to: days[days.length - 1] }
    : null;
  const week = useQuery<Week>(WEEK, variables);
  const resources = useQuery<Resources>(RESOURCES, siteId ? { siteId } : null);
  const { reload } = week;

  useEffect(() => {
    if (!siteId) return;
    let started = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe<{ appointmentsChanged: { id: string } }>(LIVE, { siteId }, {
      next: () => {
        clearTimeout(timer);
        timer = setTimeout(reload, 150); // a burst of changes reads the view once
      },
      onStart: () => {
        if (started) reload();
        started = true;
      },
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [siteId, reload]);

  // moves made offline wait in the outbox (replayed with their clientMutationId): their blocks show as waiting, and a
  // move the server refused on replay (a clash found meanwhile) stays listed here and under Unsent changes
  const outbox = useOutbox();
  const moves = outbox.filter((op) => op.operationName === 'MoveAppointment');
  const refused = moves.filter((op) => op.status === 'failed' || op.status === 'conflict');
  const waiting = new Set(moves.filter((op) => op.status === 'queued' || op.status === 'sending')
    .map((op) => String((op.variables.input as { id?: unknown }).id)));
  const waited = useRef(0);
  useEffect(() => {
    if (waited.current > waiting.size) reload(); // sent: read where they are now
    waited.current = waiting.size;
  }, [waiting.size, reload]);

  const shownDays = days;
  const [from, to] = span(resources.data, shownDays);
  const rows = week.data?.weekCalendar.rows ?? [];
  const capacity = new Map((week.data?.capacity ?? []).map((c) => [c.day, c]));

  async function move(block: Block, target: { rowId: string; startsAt: string }) {
    const a = block.appointment;
    const length = new Date(block.endsAt).getTime() - new Date(block.startsAt).getTime();
    const endsAt = new Date(new Date(target.startsAt).getTime() + length).toISOString();
    const bayId = by === 'BAY' ? target.rowId : (block.bay?.id ?? '');
    const technicianId = by === 'TECHNICIAN' ? target.rowId : (block.technician?.id ?? '');
    const input = {
      id: a.id,
      allocations: movedAllocations(a, block, { bayId, technicianId, startsAt: new Date(target.startsAt).toISOString(), endsAt }),
      expectedVersion: a.version,
    };
    if (!navigator.onLine) {
      const when = `${dayHead(localDay(target.startsAt))} ${hhmm(localMinute(target.startsAt))}`;
      await enqueue({ operationName: 'MoveAppointment', query: MOVE, input, local: { label: blockLabel(a), when } });
      setProblem([]);
      return true; // the block stays where it was dropped, marked as waiting
    }
    const r = await mutate<{ appointment: Appointment | null; errors: UserError[] }>(MOVE, {
      ...input,
      clientMutationId: newMutationId(),
    }, 'moveAppointment');
    setProblem(r.errors);
    if (!r.errors.length) reload();
    return r.errors.length === 0;
  }

  const title = view === 'week'
    ? `${formatDate(days[0])} – ${formatDate(days[6])}`
    : formatDate(day);

  return (
    <section class="screen calendar-screen" data-testid="calendar-screen">
      <ScreenTitle extra={<LiveBadge />}>{t('Calendar')}</ScreenTitle>
      {siteError && <Failure message={siteError} />}
      {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
      <div class="cal-toolbar">
        <div class="cal-seg" role="group" aria-label={t('View')}>
          <button type="button" class={`btn btn-secondary${view === 'day' ? ' active' : ''}`} aria-pressed={view === 'day'} onClick={() => setView('day')} data-testid="cal-view-day">{t('Day')}</button>
          <button type="button" class={`btn btn-secondary${view === 'week' ? ' active' : ''}`} aria-pressed={view === 'week'} onClick={() => setView('week')} data-testid="cal-view-week">{t('Week')}</button>
        </div>
        <div class="cal-seg" role="group" aria-label={t('Rows')}>
          <button type="button" class={`btn btn-secondary${by === 'TECHNICIAN' ? ' active' : ''}`} aria-pressed={by === 'TECHNICIAN'} onClick={() => setBy('TECHNICIAN')} data-testid="cal-by-technician">{t('Technicians')}</button>
          <button type="button" class={`btn btn-secondary${by === 'BAY' ? ' active' : ''}`} aria-pressed={by === 'BAY'} onClick={() => setBy('BAY')} data-testid="cal-by-bay">{t('Bays')}</button>
        </div>
        <div class="cal-seg">
          <button type="button" class="btn btn-secondary" onClick={() => setDay(addDays(day, view === 'week' ? -7 : -1))} aria-label={t('Earlier')} data-testid="cal-prev">‹</button>
          <button type="button" class="btn btn-secondary" onClick={() => setDay(localDay(Date.now()))} data-testid="cal-today">{t('Today')}</button>
          <button type="button" class="btn btn-secondary" onClick={() => setDay(addDays(day, view === 'week' ? 7 : 1))} aria-label={t('Later')} data-testid="cal-next">›</button>
        </div>
        <input type="date" class="cal-date" value={day} aria-label={t('Date')} onChange={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} data-testid="cal-date" />
      </div>
      <p class="cal-range" data-testid="cal-range">{title}</p>
      <FormErrors errors={problem} testid="calendar-error" />
      {waiting.size > 0 && (
        <p class="cal-waiting" role="status" data-testid="cal-waiting">
          {t('Moves waiting to be sent: {n}. They are sent when the device is back online.', { n: waiting.size })}
        </p>
      )}
      {refused.map((op) => (
        <div key={op.id} class="form-errors cal-refused" role="alert" data-testid="cal-move-refused">
          <p>
            {t('Not moved: {appointment} to {when}', { appointment: String(op.local?.label ?? ''), when: String(op.local?.when ?? '') })}
            {' — '}
            {(op.error ?? []).map((e) => e.message).join(' ')}
          </p>
          <a href={href('sync')}>{t('Retry or discard it under Unsent changes')}</a>
        </div>
      ))}
      {week.error && <Failure message={week.error} onRetry={reload} />}
      {!week.data && week.loading && <Loading />}
      {week.data && (
        <Grid
          view={view}
          days={shownDays}
          rows={rows}
          from={from}
          to={to}
          capacity={capacity}
          editable={canBook()}
          waiting={waiting}
          onOpen={(block) => setSelected({ appointment: block.appointment, alloc: block })}
          onMove={move}
          onEmpty={(rowId, startsAt) =>
            canBook() && setCreating({ startsAt, ...(by === 'BAY' ? { bayId: rowId } : { technicianId: rowId }) })
          }
        />
      )}
      {week.data && week.data.weekCalendar.unallocated.length > 0 && (
        <div class="card cal-unallocated" data-testid="cal-unallocated">
          <h2 class="card-title">{t('Requested, not yet booked')}</h2>
          <ul>
            {week.data.weekCalendar.unallocated.map((u) => (
              <li key={u.id}>
                <button type="button" class="cal-request" onClick={() => setSelected({ appointment: u, alloc: null })} data-testid="cal-request">
                  {[u.customer?.name, u.vehicle?.registration, u.services.map((s) => s.name).join(', ')].filter(Boolean).join(' · ')}
                  {u.requestedAt && ` — ${formatDateTime(u.requestedAt)}`}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {selected && siteId && (
        <AppointmentPanel
          appointment={selected.appointment}
          alloc={selected.alloc}
          resources={resources.data}
          onClose={() => setSelected(null)}
          onChanged={() => {
            setSelected(null);
            reload();
          }}
        />
      )}
      {creating && siteId && (
        <NewAppointmentPanel
          siteId={siteId}
          start={creating}
          resources={resources.data}
          onClose={() => setCreating(null)}
          onCreated={() => {
            setCreating(null);
            reload();
          }}
        />
      )}
    </section>
  );
}

interface GridProps {
  view: View;
  days: string[];
  rows: Row[];
  from: number;
  to: number;
  capacity: Map<string, { bookedHours: number; availableHours: number }>;
  editable: boolean;
  waiting: Set<string>;
  onOpen: (b: Block) => void;
  onMove: (b: Block, target: { rowId: string; startsAt: string }) => Promise<boolean>;
  onEmpty: (rowId: string, startsAt: string) => void;
}

function Grid({ view, days, rows, from, to, capacity, editable, waiting, onOpen, onMove, onEmpty }: GridProps) {
  const minutes = to - from;
  const hourMarks = useMemo(() => {
    const out: number[] = [];
    for (let m = from; m < to; m += 60) out.push(m);
    return out;
  }, [from, to]);
  const gridRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const dayKey = `${view}${days[0]}`;
  // the day view opens scrolled to its first appointment (a phone shows a few hours of the day at a time)
  useEffect(() => {
    const box = scrollRef.current;
    const first = view === 'day' ? gridRef.current?.querySelector<HTMLElement>('.cal-block') : null;
    if (!box || !first) return;
    const head = gridRef.current?.querySelector<HTMLElement>('.cal-rowhead')?.offsetWidth ?? 0;
    const left = first.getBoundingClientRect().left - box.getBoundingClientRect().left + box.scrollLeft - head - 8;
    box.scrollLeft = Math.max(0, left);
  }, [dayKey, rows.length > 0]);

  /** Where a point lands: the row, and (day view) the snapped local time or (week view) the day. */
  function target(x: number, y: number, grabOffsetMin: number, block: Block | null) {
    const el = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-cell]');
    if (!el) return null;
    const rowId = el.dataset.row ?? '';
    const dayOf = el.dataset.day ?? days[0];
    let minute: number;
    if (view === 'day') {
      const box = el.getBoundingClientRect();
      minute = from + ((x - box.left) / box.width) * minutes - grabOffsetMin;
      minute = Math.round(minute / SNAP) * SNAP;
      minute = Math.max(from, Math.min(to - SNAP, minute));
    } else {
      minute = block ? localMinute(block.startsAt) : 9 * 60;
    }
    const startsAt = fromLocalInput(`${dayOf}T${hhmm(minute)}`);
    return startsAt ? { rowId, startsAt } : null;
  }

  // called as a function, not mounted as a component: a live reload during a drag must keep the dragged element
  function blocks(row: Row, dayOf: string) {
    const mine = row.allocations.filter((b) => localDay(b.startsAt) === dayOf || (view === 'day' && localDay(b.endsAt) === dayOf));
    return (
      <>
        {mine.map((b) => (
          <BlockView
            key={b.id}
            block={b}
            view={view}
            waiting={waiting.has(b.appointment.id)}
            style={view === 'day' ? dayStyle(b, dayOf, from, minutes) : undefined}
            editable={editable && ['REQUESTED', 'CONFIRMED'].includes(b.appointment.status)}
            onOpen={() => onOpen(b)}
            onDrop={(x, y, grab) => {
              const to_ = target(x, y, grab, b);
              if (!to_) return Promise.resolve(false);
              if (to_.rowId === rowKey(row) && new Date(to_.startsAt).getTime() === new Date(b.startsAt).getTime()) return Promise.resolve(false);
              return onMove(b, to_);
            }}
            minuteWidth={() => {
              const cell = gridRef.current?.querySelector<HTMLElement>('[data-cell]');
              return cell ? cell.getBoundingClientRect().width / minutes : 1;
            }}
          />
        ))}
      </>
    );
  }

  const emptyClick = (e: MouseEvent, rowId: string, dayOf: string) => {
    if ((e.target as HTMLElement).closest('.cal-block')) return;
    const at = target(e.clientX, e.clientY, 0, null);
    if (at) onEmpty(rowId, view === 'day' ? at.startsAt : (fromLocalInput(`${dayOf}T09:00`) ?? at.startsAt));
  };

  if (!rows.length) {
    return <p class="muted" data-testid="cal-no-rows">{t('No bays or technicians at this site yet.')}</p>;
  }
  const cols = view === 'day' ? 1 : 7;
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must be reachable by keyboard
    <div class={`cal-scroll cal-${view}`} data-testid="cal-grid" ref={scrollRef} tabIndex={0} role="region" aria-label={t('Calendar')}>
      <div class="cal-grid" ref={gridRef} style={{ gridTemplateColumns: `var(--cal-head) repeat(${cols}, minmax(var(--cal-col), 1fr))` }}>
        <div class="cal-corner" />
        {days.map((d) => {
          const c = capacity.get(d);
          return (
            <div class="cal-dayhead" key={d} data-testid="cal-dayhead" data-day={d}>
              <span class="cal-dayname">{dayHead(d)}</span>
              {c && (
                <span class="cal-capacity" data-testid="cal-capacity" title={t('Booked / available hours')}>
                  {t('{booked} / {available} h', { booked: Math.round(c.bookedHours * 10) / 10, available: Math.round(c.availableHours * 10) / 10 })}
                </span>
              )}
              {view === 'day' && (
                <div class="cal-hours" aria-hidden="true">
                  {hourMarks.map((m) => (
                    <span key={m} style={{ left: `${((m - from) / minutes) * 100}%` }}>{hhmm(m)}</span>
                  ))}
                </div>
              )}
            </div>
          );
        })}
        {rows.map((r) => (
          <>
            <div class="cal-rowhead" key={`h${rowKey(r)}`} data-testid="cal-rowhead">{(r.bay ?? r.technician)?.name}</div>
            {days.map((d) => (
              <div
                key={`${rowKey(r)}${d}`}
                class="cal-cell"
                data-cell=""
                data-row={rowKey(r)}
                data-day={d}
                data-testid="cal-cell"
                onClick={(e) => emptyClick(e, rowKey(r), d)}
                style={view === 'day' ? { backgroundSize: `${(60 / minutes) * 100}% 100%` } : undefined}
              >
                {blocks(r, d)}
              </div>
            ))}
          </>
        ))}
      </div>
    </div>
  );
}

function dayStyle(b: Block, day: string, from: number, minutes: number) {
  const start = localDay(b.startsAt) === day ? localMinute(b.startsAt) : 0;
  const end = localDay(b.endsAt) === day ? localMinute(b.endsAt) : 24 * 60;
  const left = Math.max(0, ((start - from) / minutes) * 100);
  const right = Math.min(100, ((end - from) / minutes) * 100);
  return { left: `${left}%`, width: `${Math.max(right - left, 2)}%` };
}

interface BlockProps {
  block: Block;
  view: View;
  style?: Record<string, string>;
  editable: boolean;
  waiting: boolean;
  onOpen: () => void;
  onDrop: (x: number, y: number, grabOffsetMin: number) => Promise<boolean>;
  minuteWidth: () => number;
}

function BlockView({ block, view, style, editable, waiting, onOpen, onDrop, minuteWidth }: BlockProps) {
  const a = block.appointment;
  const ref = useRef<HTMLButtonElement>(null);
  const drag = useRef<{ x: number; y: number; id: number; moved: boolean; grab: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const suppressClick = useRef(false);

  function reset() {
    const el = ref.current;
    if (el) {
      el.style.transform = '';
      el.classList.remove('dragging');
    }
    drag.current = null;
  }
  // a dropped block keeps its place while its move waits in the outbox; once sent or refused (or read anew), it
  // shows where the server has it
  useEffect(() => {
    if (!waiting) reset();
  }, [block.startsAt, block.endsAt, waiting]);

  const down = (e: PointerEvent) => {
    suppressClick.current = false;
    if (!editable || busy || (e.pointerType === 'mouse' && e.button !== 0)) return;
    const box = ref.current!.getBoundingClientRect();
    const grab = view === 'day' ? (e.clientX - box.left) / minuteWidth() : 0;
    drag.current = { x: e.clientX, y: e.clientY, id: e.pointerId, moved: false, grab };
    ref.current!.setPointerCapture(e.pointerId);
  };
  const moveP = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 6) return;
    d.moved = true;
    ref.current!.classList.add('dragging');
    ref.current!.style.transform = `translate(${dx}px, ${dy}px)`;
  };
  const up = async (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    if (!d.moved) {
      reset();
      return; // a tap: the click opens the panel
    }
    e.preventDefault();
    suppressClick.current = true; // the click that follows this pointerup is the end of the drag, not a tap
    const el = ref.current!;
    el.style.visibility = 'hidden'; // let elementFromPoint see the cell under the pointer
    const x = e.clientX;
    const y = e.clientY;
    const grab = d.grab;
    setTimeout(() => {
      el.style.visibility = '';
    }, 0);
    setBusy(true);
    const ok = await onDrop(x, y, grab);
    setBusy(false);
    if (!ok) reset(); // refused (or dropped where it was): back in its place
    else drag.current = null;
  };

  return (
    <button
      type="button"
      ref={ref}
      class={`cal-block status-${a.status.toLowerCase()}${editable ? ' movable' : ''}${waiting ? ' waiting' : ''}`}
      style={style}
      data-testid="cal-block"
      data-appointment={a.id}
      data-status={a.status}
      data-waiting={waiting ? 'true' : undefined}
      aria-busy={busy}
      onPointerDown={down}
      onPointerMove={moveP}
      onPointerUp={up}
      onPointerCancel={reset}
      onClick={(e) => {
        e.stopPropagation();
        if (suppressClick.current) {
          suppressClick.current = false;
          return;
        }
        onOpen();
      }}
    >
      <span class="cal-time">{hhmm(localMinute(block.startsAt))}–{hhmm(localMinute(block.endsAt))}</span>
      <span class="cal-who">{blockLabel(a) || t('Appointment')}</span>
      <span class="cal-what">{a.services.map((s) => s.name).join(', ')}</span>
      <span class="cal-status">{waiting ? t('Move waiting to be sent') : statusName(a.status)}</span>
    </button>
  );
}
