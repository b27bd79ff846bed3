import { checkConnections } from './migration-activities';
import type { PreflightInput, PreflightResult } from './preflight-api';

/** Checks that every named database answers and can be read and written. */
export async function preflightWorkflow(input: PreflightInput): Promise<PreflightResult> {
  return { connections: await checkConnections({ connections: input.connections }) };
}
