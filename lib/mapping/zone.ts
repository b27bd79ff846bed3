import { FidelityError } from './errors';
import { PreciseDate } from './values';

/**
 * timestamp-without-time-zone values are wall-clock times in a configured zone (default UTC).
 * Converting them to instants and back must be exact, including the microseconds.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not turn years 0–99 into 1900–1999.
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const WALL = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/** "2024-05-01 10:00:00.123456" in zone → the instant. */
export function wallClockToInstant(field: string, text: string, zone: string): PreciseDate {
  const m = WALL.exec(text);
  if (!m) throw new FidelityError(field, `timestamp ${JSON.stringify(text)} is outside the range a date can hold`);
  const frac = (m[7] ?? '').padEnd(6, '0');
  const wall = utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], Number(frac.slice(0, 3)));
  const micros = Number(frac.slice(3));
  if (zone === 'UTC') return new PreciseDate(wall, micros);
  const first = wall - offsetMs(zone, wall);
  return new PreciseDate(wall - offsetMs(zone, first), micros);
}

/** The instant → "2024-05-01T10:00:00.123456" wall-clock time in zone. */
export function instantToWallClock(date: Date, micros: number, zone: string): string {
  const ms = date.getTime();
  const iso = new Date(zone === 'UTC' ? ms : ms + offsetMs(zone, ms)).toISOString();
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}`;
}

function offsetMs(zone: string, at: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
  const wall = utcMs(year, +p.month, +p.day, +p.hour, +p.minute, +p.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}
