export type Role = 'ADMIN' | 'SITE_MANAGER' | 'TECHNICIAN' | 'WORKSHOP_MANAGER' | 'WAREHOUSE_MANAGER' | 'BILLING';

export interface Garage {
  id: string;
  name: string;
  defaultLocale?: string | null;
  currency?: string;
  timeZone?: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role | string;
  locale?: string | null;
  garage?: Garage | null;
  /** The site they work at (the default site of the staff screens). */
  homeSite?: { id: string } | null;
}

export interface UserError {
  field?: string | null;
  code: string;
  message: string;
}

export interface Vehicle {
  id: string;
  registration: string;
  make?: string | null;
  model?: string | null;
}

export interface Customer {
  id: string;
  name: string;
  phone?: string | null;
  email?: string | null;
  vehicles: Vehicle[];
}

// ---- the technician's workshop data (kept in IndexedDB for offline work) ----

export type JobStatus =
  | 'RECEIVED'
  | 'ASSIGNED'
  | 'IN_PROGRESS'
  | 'AWAITING_PARTS'
  | 'ON_HOLD'
  | 'COMPLETED'
  | 'MANAGER_REVIEW'
  | 'BILLING'
  | 'INVOICED'
  | 'CANCELLED';

export interface JobTask {
  id: string;
  name: string;
  nameTh?: string | null;
  status: 'OPEN' | 'COMPLETED';
  version: number;
  position: number;
  /** Set on the device while the task waits in the outbox. */
  pending?: boolean;
}

export interface ItemRef {
  id: string;
  sku: string;
  nameEn: string;
  nameTh?: string | null;
  unit?: string;
  /** A part not in the catalog, made an item for the one job that asked for it. */
  oneOff?: boolean;
}

export interface PartsRequest {
  id: string;
  quantity: number;
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'ISSUED' | 'COMPLETED';
  note?: string | null;
  item: ItemRef | null;
  pending?: boolean;
}

export interface Job {
  id: string;
  number: string;
  status: JobStatus;
  version: number;
  operationsStream: string;
  issuesReported?: string | null;
  promisedAt?: string | null;
  workDoneNotes?: string | null;
  updatedAt: string;
  vehicle?: { id: string; registrationDisplay: string; make?: string | null; model?: string | null } | null;
  tasks: JobTask[];
  partsRequests: PartsRequest[];
}

export interface TaskAction {
  id: string;
  stream: string;
  nameEn: string;
  nameTh?: string | null;
  active: boolean;
}

export interface WarehouseItem extends ItemRef {
  quantityOnHand: number;
  active: boolean;
  /** A part not in the catalog, made an item for the one job that asked for it: not offered to other jobs. */
  oneOff?: boolean;
}

export interface ClockState {
  /** The job the technician is clocked on, or null. */
  jobId: string | null;
  startedAt: string | null;
}
