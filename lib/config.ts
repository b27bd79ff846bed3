/**
 * Process configuration, all from the environment so that nothing secret is ever part of a
 * spec, a workflow input or a history. Defaults match the local stack (scripts/stack.sh).
 */
export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
}

export function temporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  return {
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.SWITCHYARD_TASK_QUEUE || 'switchyard',
    uiUrl: (env.TEMPORAL_UI_URL || 'http://127.0.0.1:8233').replace(/\/+$/, ''),
  };
}

/** Link to one workflow in the Temporal Web UI. */
export function workflowUiUrl(cfg: TemporalConfig, workflowId: string): string {
  return `${cfg.uiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
