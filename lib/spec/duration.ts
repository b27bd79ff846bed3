import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** "10m" → 600000. Only whole numbers with one unit, so specs read the same to everyone. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use a whole number and a unit, e.g. "30s", "10m", "7d"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A spec duration: kept as text in the spec (readable in history), validated here. */
export const durationSchema = z.string().regex(DURATION, 'a duration such as "30s", "10m", "2h" or "7d" (units ms, s, m, h, d)');
