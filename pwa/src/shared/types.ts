export type Role = 'ADMIN' | 'SITE_MANAGER' | 'TECHNICIAN' | 'WORKSHOP_MANAGER' | 'WAREHOUSE_MANAGER' | 'BILLING';

export interface Garage {
  id: string;
  name: string;
  defaultLocale?: string | null;
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role | string;
  locale?: string | null;
  garage?: Garage | null;
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
