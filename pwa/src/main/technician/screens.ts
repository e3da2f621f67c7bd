// The technician's screens (my jobs, job detail), which work offline.
import type { ScreenDef } from '../screens';

export const technicianScreens: ScreenDef[] = [];
