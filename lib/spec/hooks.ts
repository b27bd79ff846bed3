/**
 * Routing hooks: what runs when a migration enters or leaves a phase, or rolls back, so caches in
 * front of the databases follow the reads (docs/phases.md, "Hooks"). Pure data: the workflow
 * bundle imports the types; the hook activity (activities/hooks.ts) runs them.
 */
import { z } from 'zod';
import { CONNECTION_NAME } from '../connections';
import { phaseSchema } from './lifecycle';

const connection = z.string().regex(CONNECTION_NAME, 'a connection name; its URL comes from SWITCHYARD_CONN_<NAME>');

export const hookSchema = z
  .strictObject({
    /** "rollback", or a phase entered or left (a rollback enters and leaves phases too). */
    on: z.union([z.literal('rollback'), z.strictObject({ enter: phaseSchema }), z.strictObject({ leave: phaseSchema })]),
    /** Deletes the Redis keys matching a glob pattern (SCAN + UNLINK), e.g. "user:*". */
    redis: z.strictObject({ connection, pattern: z.string().min(1) }).optional(),
    /** POSTs the transition as JSON to the URL of a connection (SWITCHYARD_CONN_<NAME>, so no URL enters history). */
    webhook: z.strictObject({ connection }).optional(),
  })
  .refine((h) => h.redis || h.webhook, 'a hook needs an action: redis or webhook');

export const hooksSchema = z.array(hookSchema).default([]);
export type Hook = z.infer<typeof hookSchema>;

/** The transition a hook is told about; also the webhook's body. */
export interface HookEvent {
  migrationId: string;
  trigger: 'enter' | 'leave' | 'rollback';
  from: string;
  to: string;
  routingVersion: number;
  by: string;
  reason: string;
}
