import type { Engine } from '../connectors/engine';
import type { MigrationSpec } from '../spec/schema';

/** `"sync": "cdc"` needs a source engine that reads its own change stream. */
export function changeCaptureBlockers(spec: MigrationSpec, source: { name: string; engine: Engine }, engines: readonly Engine[]): string[] {
  if (spec.sync !== 'cdc' || source.engine.changeCapture) return [];
  const capable = engines.filter((e) => e.changeCapture).map((e) => e.product);
  return [`source ${source.name} is ${source.engine.product}: sync "cdc" needs a source with change data capture (${capable.join(', ')}); use "dual_write"`];
}
