import pino from 'pino';
import { redactLogValue } from './redact';

/**
 * Structured JSON lines (stdout unless a destination is given); callers add migration id and phase
 * as bindings. Messages, their arguments and logged objects (errors included) are scrubbed of
 * connection credentials first: driver errors can quote a URL.
 */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: process.env.SWITCHYARD_LOG_LEVEL || 'info',
      base: { svc: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactLogValue(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export const log = createLogger();
