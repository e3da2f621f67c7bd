// The technician's screens (my jobs, job detail), which work offline.
import type { ScreenDef } from '../screens';

export const technicianScreens: ScreenDef[] = [
  {
    id: 'my-jobs',
    path: 'jobs',
    roles: ['TECHNICIAN'],
    label: 'My jobs',
    nav: true,
    icon: 'wrench',
    load: () => import('./MyJobs'),
  },
  {
    id: 'job',
    path: 'jobs/:id',
    roles: ['TECHNICIAN'],
    label: 'Job',
    nav: false,
    load: () => import('./JobDetail'),
  },
  // works offline like the job itself; the managers fill or read it on their job card too
  { id: 'inspection', path: 'jobs/:id/inspection', roles: ['TECHNICIAN', 'ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'], label: 'Inspection', nav: false, load: () => import('../inspection/InspectionScreen') },
];
