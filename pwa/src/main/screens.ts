// The screens of the staff app, by role. The shell builds its navigation from this list and the hash router
// (`#/<path>`) loads a screen's module on demand, so each role downloads only what it opens.
//
// Three lists make it: the shell's own (customers, the sync queue), the technician's screens (technician/screens.ts)
// and every other role's (staff/screens.ts). A role list's definition wins over the shell's with the same id, so
// the staff list may take over `customers`.
import type { ComponentType } from 'preact';
import type { IconName } from './icons';
import { staffScreens } from './staff/screens';
import { technicianScreens } from './technician/screens';

export type RoleName = 'ADMIN' | 'SITE_MANAGER' | 'TECHNICIAN' | 'WORKSHOP_MANAGER' | 'WAREHOUSE_MANAGER' | 'BILLING';

export const ALL_ROLES: RoleName[] = [
  'ADMIN',
  'SITE_MANAGER',
  'TECHNICIAN',
  'WORKSHOP_MANAGER',
  'WAREHOUSE_MANAGER',
  'BILLING',
];

export interface ScreenProps {
  /** Path parameters, e.g. { id } for `jobs/:id`. */
  params: Record<string, string>;
}

export interface ScreenDef {
  /** Stable id, also used as data-testid of its navigation link (`nav-<id>`). */
  id: string;
  /** Hash path pattern without the leading `#/`, e.g. `board` or `jobs/:id`. */
  path: string;
  roles: RoleName[];
  /** English msgid (catalog context "pwa") of the navigation label; shown through t(). */
  label: string;
  /** Listed in the navigation (detail screens are not). */
  nav: boolean;
  load: () => Promise<{ default: ComponentType<ScreenProps> }>;
  /** The navigation icon, by name from the app's one SVG icon set (icons/index.tsx); else the shell's default for
   *  the id, else a dot. Never an emoji: a device may lack it. */
  icon?: IconName;
}

const shellScreens: ScreenDef[] = [
  {
    id: 'customers',
    path: 'customers',
    roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'],
    label: 'Customers',
    nav: true,
    icon: 'customers',
    load: () => import('./Customers'),
  },
  {
    id: 'sync',
    path: 'sync',
    roles: ALL_ROLES,
    label: 'Unsent changes',
    nav: true,
    icon: 'sync',
    load: () => import('./SyncScreen'),
  },
];

/** Icons for the screens whose registry entry names none (by screen id). */
const DEFAULT_ICONS: Record<string, IconName> = {
  intake: 'intake',
  board: 'board',
  'my-jobs': 'wrench',
  'parts-approval': 'parts',
  review: 'review',
  'parts-issue': 'parts',
  stock: 'stock',
  'billing-queue': 'billing',
  invoices: 'invoice',
  quotes: 'quote',
  users: 'users',
  'task-actions': 'tasks',
  messages: 'messages',
  reminders: 'reminders',
  settings: 'settings',
  appointments: 'calendar',
  calendar: 'calendar',
  reports: 'chart',
  kpis: 'chart',
  vehicles: 'car',
  customers: 'customers',
  sync: 'sync',
};

export function iconFor(def: ScreenDef): IconName {
  return def.icon ?? DEFAULT_ICONS[def.id] ?? 'dot';
}

/** Role screens first (a role's first listed screen is its home); the shell's own come last, unless replaced. */
function merged(roleLists: ScreenDef[][], fallbacks: ScreenDef[]): ScreenDef[] {
  const byId = new Map<string, ScreenDef>();
  for (const list of roleLists) for (const s of list) byId.set(s.id, s);
  for (const s of fallbacks) if (!byId.has(s.id)) byId.set(s.id, s);
  return [...byId.values()];
}

export const screens: ScreenDef[] = merged([technicianScreens, staffScreens], shellScreens);

/** The screens a role may open, in registry order. */
export function screensFor(role: string): ScreenDef[] {
  return screens.filter((s) => (s.roles as string[]).includes(role));
}
