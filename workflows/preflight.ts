import { checkConnections } from './migration-activities';

export interface PreflightInput {
  /** Connection names; the worker resolves each from SWITCHYARD_CONN_<NAME>. */
  connections: string[];
}

/** Checks that every named database answers and can be read and written. */
export async function preflightWorkflow(input: PreflightInput) {
  return { connections: await checkConnections({ connections: input.connections }) };
}
