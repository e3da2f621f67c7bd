// The screens of the staff app, by role. The shell builds its navigation from this list and the hash router
// (`#/<path>`) loads a screen's module on demand, so each role downloads only what it opens.
//
// Two lists make it: the technician's screens (technician/screens.ts) and every other role's (staff/screens.ts).
import type { ComponentType } from 'preact';
import { staffScreens } from './staff/screens';
import { technicianScreens } from './technician/screens';

export type RoleName = 'ADMIN' | 'SITE_MANAGER' | 'TECHNICIAN' | 'WORKSHOP_MANAGER' | 'WAREHOUSE_MANAGER' | 'BILLING';

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
}

export const screens: ScreenDef[] = [...technicianScreens, ...staffScreens];
