import type { ChangeCapture } from '../../../cdc/capture';
import { dropStreamPosition, recordStartPosition } from '../../../control/stream-positions';
import { resolveConnection } from '../../engines';
import { mysqlPool } from '../pool';
import { binlogBlockers } from '../server-checks';
import { binlogEnd, formatPosition } from './position';
import { openBinlogStream } from './stream';

/**
 * MySQL's and MariaDB's change stream: the row-based binlog, read from a position the control
 * store keeps (the server keeps no cursor for us, and purges binlogs on its own schedule).
 */
export const mysqlCapture: ChangeCapture = {
  blockers: (ref) => binlogBlockers(resolveConnection(ref.spec.source.connection), ref.spec),
  prepare: async (ref, control) => {
    const { end } = await binlogEnd(mysqlPool(resolveConnection(ref.spec.source.connection)));
    return { start: await recordStartPosition(control, ref.migrationId, formatPosition(end)), identityChanges: [] };
  },
  open: openBinlogStream,
  teardown: async (ref, control) => ({ slotDropped: await dropStreamPosition(control, ref.migrationId) }),
};
