/** The preflight workflow's public surface: its name, input and result. Clients import this module, not workflows/preflight.ts. */
import type { ConnectionReport } from '../lib/connectors/probe';

export const PREFLIGHT_WORKFLOW = 'preflightWorkflow';

export interface PreflightInput {
  /** Connection names; the worker resolves each from SWITCHYARD_CONN_<NAME>. */
  connections: string[];
}

export interface PreflightResult {
  connections: ConnectionReport[];
}
