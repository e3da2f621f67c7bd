// The dashboard's GraphQL documents (each a trusted document of the build) and the shapes they answer with.
import { ERRORS } from '../common';

export type Unit = 'RATIO' | 'MONEY' | 'MONEY_PER_HOUR' | 'HOURS' | 'COUNT';
export type Group = 'GARAGE' | 'SITE' | 'TECHNICIAN' | 'ADVISOR';
export type PeriodKind = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR' | 'CUSTOM';

export interface Period {
  kind: PeriodKind;
  date?: string;
  from?: string;
  to?: string;
}

export interface Definition {
  name: string;
  formula: string;
  explanation: string;
  unit: Unit;
  higherIsBetter: boolean;
}
export interface Figure {
  value: number | null;
  numerator: number;
  denominator: number | null;
}
export interface KpiValue {
  kpi: string;
  definition: Definition;
  current: Figure;
  previous: Figure;
  lastYear: Figure;
  goal: number | null;
  offGoal: boolean | null;
}
export interface KpiRow {
  key: string | null;
  name: string | null;
  jobs: number;
  importedJobs: number;
  values: KpiValue[];
}
export interface Range {
  from: string;
  to: string;
}
export interface KpiReport {
  group: Group;
  period: Range;
  previousPeriod: Range;
  lastYearPeriod: Range;
  currency: string;
  rows: KpiRow[];
}

const VALUE = `kpi definition { name formula explanation unit higherIsBetter } current { value numerator denominator }
  previous { value numerator denominator } lastYear { value numerator denominator } goal offGoal`;

export const KPIS = `query DashboardKpis($period: KpiPeriodInput!, $group: KpiGroup!, $siteId: ID) {
  kpis(period: $period, group: $group, siteId: $siteId) {
    group period { from to } previousPeriod { from to } lastYearPeriod { from to } currency
    rows { key name jobs importedJobs values { ${VALUE} } } } }`;

export interface TrendPoint {
  month: string;
  values: { kpi: string; current: { value: number | null }; lastYear: { value: number | null } }[];
}
export const TREND = `query DashboardTrend($endMonth: Date!, $siteId: ID, $only: [Kpi!]) {
  kpiTrend(endMonth: $endMonth, months: 12, siteId: $siteId, only: $only) {
    month values { kpi current { value } lastYear { value } } } }`;

export interface Forecast {
  month: string;
  asOf: string;
  daysElapsed: number;
  daysInMonth: number;
  salesToDate: number;
  runRateForecast: number;
  runRateMethod: string;
  bookedHours: number;
  effectiveLabourRate: number | null;
  bookingsForecast: number | null;
  bookingsMethod: string;
}
export const FORECAST = `query DashboardForecast($siteId: ID) { kpiForecast(siteId: $siteId) {
  month asOf daysElapsed daysInMonth salesToDate runRateForecast runRateMethod bookedHours effectiveLabourRate
  bookingsForecast bookingsMethod } }`;

export interface DrillJob {
  jobId: string;
  jobNumber: string | null;
  vehicleId: string | null;
  invoiceNumber: string | null;
  day: string;
  registration: string | null;
  technicianName: string | null;
  advisorName: string | null;
  sales: number;
  billedHours: number;
  cameBack: boolean;
  imported: boolean;
}
export interface DrillList {
  period: Range;
  total: number;
  rows: DrillJob[];
}
export const JOBS = `query DashboardJobs($period: KpiPeriodInput!, $siteId: ID, $technicianId: ID, $advisorId: ID) {
  kpiJobs(period: $period, siteId: $siteId, technicianId: $technicianId, advisorId: $advisorId, first: 100) {
    period { from to } total rows { jobId jobNumber vehicleId invoiceNumber day registration technicianName advisorName sales
    billedHours cameBack imported } } }`;

export type ExportStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
export interface ExportJob {
  id: string;
  status: ExportStatus;
  rowsDone: number;
  rowsTotal: number;
  fileName: string | null;
  downloadUrl: string | null;
  failure: string | null;
}
const EXPORT_FIELDS = 'id status rowsDone rowsTotal fileName downloadUrl failure';
export const START_EXPORT = `mutation StartKpiExport($input: StartKpiExportInput!) { startKpiExport(input: $input) {
  export { ${EXPORT_FIELDS} } ${ERRORS} } }`;
export const EXPORT = `query KpiExport($id: ID!) { kpiExport(id: $id) { ${EXPORT_FIELDS} } }`;

export interface Seasonal {
  asOf: string;
  trend: number | null;
  months: { month: string; sameMonthLastYear: number; forecast: number | null }[];
  method: string;
}
export const SEASONAL = `query DashboardSeasonal($siteId: ID) { kpiSeasonalForecast(siteId: $siteId) {
  asOf trend months { month sameMonthLastYear forecast } method } }`;

export interface CapacityWeek {
  from: string;
  to: string;
  availableHours: number;
  bookedHours: number;
  freeHours: number;
  load: number | null;
}
export const CAPACITY = `query DashboardCapacity($siteId: ID) { kpiCapacity(siteId: $siteId) {
  method weeks { from to availableHours bookedHours freeHours load } } }`;

export interface CashFigures {
  cashMonth: {
    month: string;
    asOf: string;
    received: number;
    expectedIncoming: number;
    expensesTotal: number;
    supplierDeliveries: number;
    projected: number;
    method: string;
  };
  cashReceivables: { total: { invoices: number; current: number; days1To30: number; days31To60: number; days61To90: number; over90: number; total: number } };
}
export const CASH = `query DashboardCash($siteId: ID) {
  cashMonth(siteId: $siteId) { month asOf received expectedIncoming expensesTotal supplierDeliveries projected method }
  cashReceivables(siteId: $siteId) { total { invoices current days1To30 days31To60 days61To90 over90 total } } }`;
