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
  jobNumber: string;
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
    period { from to } total rows { jobId jobNumber invoiceNumber day registration technicianName advisorName sales
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
