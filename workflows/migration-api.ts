/**
 * The migration workflow's public surface: its name, queries, updates, signals and search
 * attributes. Clients (the CLI, tests) import this module only, never the workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApproveArgs, Consequence, ConsequenceArgs, ControlArgs, MigrationStatus, ProgressReport, RollbackArgs, ThrottleArgs } from './migration-types';

export const MIGRATION_WORKFLOW = 'migrationWorkflow';

export const MIGRATION_ID = defineSearchAttributeKey('MigrationId', SearchAttributeType.KEYWORD);
export const MIGRATION_PHASE = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);
export const MIGRATION_STATE = defineSearchAttributeKey('MigrationState', SearchAttributeType.KEYWORD);

export const statusQuery = defineQuery<MigrationStatus>('status');
/** What an action would do now, in words (or why it would be refused): the console's dialog and the CLI's --dry-run. */
export const consequenceQuery = defineQuery<Consequence, [ConsequenceArgs]>('consequence');
export const approveUpdate = defineUpdate<MigrationStatus, [ApproveArgs]>('approve');
/** The same approval as a signal, for the Temporal UI's "Send signal". */
export const approveSignal = defineSignal<[ApproveArgs]>('approve');
export const pauseUpdate = defineUpdate<MigrationStatus, [ControlArgs]>('pause');
export const resumeUpdate = defineUpdate<MigrationStatus, [ControlArgs]>('resume');
export const throttleUpdate = defineUpdate<MigrationStatus, [ThrottleArgs]>('throttle');
export const rollbackUpdate = defineUpdate<MigrationStatus, [RollbackArgs]>('rollback');
export const abortUpdate = defineUpdate<MigrationStatus, [ControlArgs]>('abort');
/** Sent by the backfill and verify children to the migration that started them (workflows/progress-report.ts). */
export const childProgressSignal = defineSignal<[ProgressReport]>('childProgress');

export type * from './migration-types';
