import type { Client } from '@temporalio/client';
import type { BackfillProgress, BackfillResult } from '../../workflows/backfill';
import type { ChildStatus, MigrationStatus } from '../../workflows/migration-api';
import type { VerifyProgress, VerifyResult } from '../../workflows/verify';

export interface PhaseProgress {
  state: ChildStatus['state'];
  done: number;
  total: number;
  clean?: boolean;
}

export interface EntityProgress {
  entity: string;
  backfill?: PhaseProgress;
  verify?: PhaseProgress;
}

/**
 * Per-entity progress: finished children from their results in the migration's status, running
 * ones from their own progress queries (the parent cannot query its children).
 */
export async function entityProgress(client: Client, status: MigrationStatus): Promise<EntityProgress[]> {
  return Promise.all(Object.entries(status.entities).map(async ([entity, e]) => ({
    entity,
    backfill: e.backfill && (await backfillProgress(client, e.backfill)),
    verify: e.verify && (await verifyProgress(client, e.verify)),
  })));
}

async function backfillProgress(client: Client, c: ChildStatus): Promise<PhaseProgress> {
  if (c.state === 'running') {
    const p = await client.workflow.getHandle(c.workflowId).query<BackfillProgress>('backfillProgress').catch(() => undefined);
    return { state: c.state, done: p?.rowsCopied ?? 0, total: p?.rowsTotal ?? 0 };
  }
  const r = c.result as BackfillResult | undefined;
  return { state: c.state, done: r?.rowsCopied ?? 0, total: r?.rowsCopied ?? 0 };
}

async function verifyProgress(client: Client, c: ChildStatus): Promise<PhaseProgress> {
  if (c.state === 'running') {
    const p = await client.workflow.getHandle(c.workflowId).query<VerifyProgress>('verifyProgress').catch(() => undefined);
    return { state: c.state, done: p?.rowsCompared ?? 0, total: p?.rowsTotal ?? 0 };
  }
  const r = c.result as VerifyResult | undefined;
  return { state: c.state, done: r?.rowsCompared ?? 0, total: r?.rowsCompared ?? 0, clean: r?.clean };
}
