import pino from 'pino';

/** Structured JSON lines on stdout; callers add migration id and phase as bindings. */
export const log = pino({
  level: process.env.SWITCHYARD_LOG_LEVEL || 'info',
  base: { svc: 'switchyard' },
  timestamp: pino.stdTimeFunctions.isoTime,
});
