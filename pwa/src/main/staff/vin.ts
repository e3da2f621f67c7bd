// What a VIN itself says, read offline (ISO 3779 / 49 CFR 565): the manufacturer from the world manufacturer
// identifier (positions 1-3, or 1-2 where the maker owns the whole prefix), the model year from position 10 where
// the region's rules make it one (North America, China), and the check digit (position 9) where it is mandatory
// (North America, China). Elsewhere (Europe, Japan, Thailand) position 10 and 9 are the maker's own, so a VIN from
// there is never refused for them and its year is not guessed.

/** WMI -> manufacturer. Three-character keys win over two-character ones. Kept to codes a garage sees. */
const WMI: Record<string, string> = {
  // Thailand (M)
  MR0: 'Toyota', MR1: 'Toyota', MR2: 'Toyota', MRH: 'Honda', MLH: 'Honda', MPA: 'Isuzu', MMB: 'Mitsubishi',
  MMT: 'Mitsubishi', MMC: 'Mitsubishi', MNT: 'Nissan', MNA: 'Ford', MNB: 'Ford', MM8: 'Mazda', MM0: 'Mazda',
  // India (M)
  MA1: 'Mahindra', MA3: 'Suzuki', MAL: 'Hyundai', MAT: 'Tata', MAJ: 'Ford', MAK: 'Honda', MBH: 'Suzuki',
  // Japan (J)
  JT: 'Toyota', JTD: 'Toyota', JTE: 'Toyota', JTH: 'Lexus', JTJ: 'Lexus', JHM: 'Honda', JHL: 'Honda', JH4: 'Acura',
  JN: 'Nissan', JN1: 'Nissan', JN8: 'Nissan', JNK: 'Infiniti', JM: 'Mazda', JM1: 'Mazda', JS: 'Suzuki',
  JF: 'Subaru', JF1: 'Subaru', JF2: 'Subaru', JA3: 'Mitsubishi', JA4: 'Mitsubishi', JMB: 'Mitsubishi',
  JMY: 'Mitsubishi', JAA: 'Isuzu', JAL: 'Isuzu', JYA: 'Yamaha', JKA: 'Kawasaki', JH2: 'Honda',
  // Korea (K)
  KM: 'Hyundai', KMH: 'Hyundai', KNA: 'Kia', KNB: 'Kia', KNC: 'Kia', KND: 'Kia', KNM: 'Renault Samsung',
  KPT: 'SsangYong', KL: 'Daewoo',
  // China (L)
  LSV: 'Volkswagen', LFV: 'Volkswagen', LVS: 'Ford', LRW: 'Tesla', LGX: 'BYD', LC0: 'BYD', LSJ: 'MG',
  LGW: 'Great Wall', LVV: 'Chery', LB3: 'Geely', LHG: 'Honda', LVG: 'Toyota', LTV: 'Toyota', LDC: 'Dongfeng',
  LZW: 'Wuling', LNB: 'BAIC',
  // Europe
  WBA: 'BMW', WBS: 'BMW M', WBY: 'BMW', WMW: 'MINI', WDB: 'Mercedes-Benz', WDD: 'Mercedes-Benz',
  WDC: 'Mercedes-Benz', W1K: 'Mercedes-Benz', W1N: 'Mercedes-Benz', WVW: 'Volkswagen', WV1: 'Volkswagen',
  WV2: 'Volkswagen', WAU: 'Audi', WUA: 'Audi', WP0: 'Porsche', WP1: 'Porsche', WF0: 'Ford', W0L: 'Opel',
  TMB: 'Škoda', VSS: 'SEAT', VF1: 'Renault', VF3: 'Peugeot', VF7: 'Citroën', VR3: 'Peugeot', ZFA: 'Fiat',
  ZAR: 'Alfa Romeo', ZFF: 'Ferrari', ZHW: 'Lamborghini', ZAM: 'Maserati', ZDM: 'Ducati', SAL: 'Land Rover',
  SAJ: 'Jaguar', SCC: 'Lotus', SCF: 'Aston Martin', SCB: 'Bentley', SAR: 'Rover', SB1: 'Toyota', SJN: 'Nissan',
  SHH: 'Honda', SHS: 'Honda', YV1: 'Volvo', YV4: 'Volvo', YS3: 'Saab', VNK: 'Toyota', NMT: 'Toyota',
  // North America (1-5)
  '1G': 'General Motors', '1G1': 'Chevrolet', '1GC': 'Chevrolet', '1GT': 'GMC', '1G6': 'Cadillac', '1F': 'Ford',
  '1FA': 'Ford', '1FT': 'Ford', '1FM': 'Ford', '1L': 'Lincoln', '1C': 'Chrysler', '1C3': 'Chrysler', '1C4': 'Jeep',
  '1C6': 'Ram', '1J': 'Jeep', '1HG': 'Honda', '1N4': 'Nissan', '1N6': 'Nissan', '1VW': 'Volkswagen',
  '2HG': 'Honda', '2HK': 'Honda', '2T': 'Toyota', '2T1': 'Toyota', '2G': 'General Motors', '3VW': 'Volkswagen',
  '3FA': 'Ford', '3N1': 'Nissan', '3HG': 'Honda', '4T': 'Toyota', '4T1': 'Toyota', '4S3': 'Subaru', '4S4': 'Subaru',
  '4JG': 'Mercedes-Benz', '5YJ': 'Tesla', '5N1': 'Nissan', '5NP': 'Hyundai', '5XY': 'Kia', '5UX': 'BMW',
  '5J6': 'Honda', '5FN': 'Honda', '5TD': 'Toyota', '5TF': 'Toyota',
};

/** Position 10: the letters and digits of a 30-year cycle, 1980 (A) ... 2009 (9); I, O, Q, U, Z and 0 are not used. */
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

const VALUES: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5,
  W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

export interface VinInfo {
  vin: string;
  /** The VIN has 17 letters and digits, without I, O or Q. */
  wellFormed: boolean;
  make: string | null;
  /** The model year, only where the VIN's region makes position 10 the model year. */
  year: number | null;
  /** Whether the region makes position 9 a check digit. */
  checkDigitApplies: boolean;
  /** Whether the check digit matches (true where it does not apply). */
  checkDigitOk: boolean;
}

export function normaliseVin(text: string): string {
  return text.replace(/[\s-]/g, '').toUpperCase();
}

/** North America (1-5) and China (L) follow 49 CFR 565 / GB 16735: year at 10, check digit at 9. */
function regulatedRegion(vin: string): 'na' | 'cn' | null {
  if (/^[1-5]/.test(vin)) return 'na';
  if (vin.startsWith('L')) return 'cn';
  return null;
}

export function checkDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i];
    const value = /\d/.test(c) ? Number(c) : VALUES[c] ?? 0;
    sum += value * WEIGHTS[i];
  }
  const rest = sum % 11;
  return rest === 10 ? 'X' : String(rest);
}

function modelYear(vin: string, region: 'na' | 'cn', thisYear: number): number | null {
  const index = YEAR_CODES.indexOf(vin[9]);
  if (index < 0) return null;
  const early = 1980 + index;
  const late = early + 30;
  if (region === 'na') {
    // passenger cars and light trucks: a letter at position 7 marks the 2010-2039 cycle, a digit the 1980-2009 one
    return /[A-Z]/.test(vin[6]) ? late : early;
  }
  return late <= thisYear + 1 ? late : early;
}

export function decodeVin(text: string, thisYear = new Date().getFullYear()): VinInfo {
  const vin = normaliseVin(text);
  const wellFormed = /^[A-HJ-NPR-Z0-9]{17}$/.test(vin);
  const make = vin.length >= 3 ? WMI[vin.slice(0, 3)] ?? WMI[vin.slice(0, 2)] ?? null : null;
  const region = wellFormed ? regulatedRegion(vin) : null;
  const checkDigitApplies = region !== null;
  const checkDigitOk = !checkDigitApplies || checkDigit(vin) === vin[8];
  const year = region && checkDigitOk ? modelYear(vin, region, thisYear) : null;
  return { vin, wellFormed, make, year, checkDigitApplies, checkDigitOk };
}
