import type { Pool } from 'pg';

/** Keys of a migration still waiting in the control store's reconcile queue (both directions). */
export async function reconcileBacklog(control: Pool, migrationId: string): Promise<number> {
  const { rows } = await control.query<{ n: number }>('select count(*)::int as n from switchyard.reconcile_queue where migration_id = $1', [migrationId]);
  return rows[0].n;
}
