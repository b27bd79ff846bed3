import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { redactError } from '../lib/redact';

/**
 * A failed activity's message, stack and causes go into workflow history and the worker's log,
 * and driver errors can quote a connection URL. Every activity failure is scrubbed here, in one
 * place, before Temporal sees it; it stays the same error object, so its type and nonRetryable
 * flag (which decide whether Temporal retries) are kept.
 */
export const redactActivityFailures: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        throw redactError(err);
      }
    },
  },
});
