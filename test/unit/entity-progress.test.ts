import { entityProgress } from '../../scripts/cli/entity-progress';
import type { BackfillProgress } from '../../workflows/backfill-api';
import type { MigrationStatus } from '../../workflows/migration-api';

const backfillReport: BackfillProgress = {
  migrationId: 'm',
  entity: 'users',
  status: 'copying',
  rowsCopied: 1200,
  rowsTotal: 5000,
  rowsPerSecond: 100,
  etaSeconds: 38,
  ranges: { total: 2, pending: 0, running: 2, done: 0, failed: 0 },
  maxRowsPerSecond: 200,
  resumedSlices: 0,
  failures: [],
  runs: 1,
};

const withEntities = (entities: MigrationStatus['entities']) => ({ entities }) as MigrationStatus;

describe('entityProgress', () => {
  it("takes a running child's numbers from the progress report it sent the migration", () => {
    expect(entityProgress(withEntities({ users: { backfill: { workflowId: 'w', state: 'running', progress: backfillReport } } }))).toEqual([
      { entity: 'users', backfill: { state: 'running', done: 1200, total: 5000 }, verify: undefined },
    ]);
  });

  it('shows 0 of 0 for a running child that has not reported yet', () => {
    expect(entityProgress(withEntities({ users: { verify: { workflowId: 'w', state: 'running' } } }))).toEqual([
      { entity: 'users', backfill: undefined, verify: { state: 'running', done: 0, total: 0 } },
    ]);
  });

  it("takes a completed child's numbers from its result, with the verification verdict", () => {
    const status = withEntities({
      users: {
        backfill: { workflowId: 'b', state: 'completed', progress: backfillReport, result: { rowsCopied: 5003 } },
        verify: { workflowId: 'v', state: 'completed', result: { rowsCompared: 5003, clean: false, unconfirmed: 2 } },
      },
    });
    expect(entityProgress(status)).toEqual([
      {
        entity: 'users',
        backfill: { state: 'completed', done: 5003, total: 5003 },
        verify: { state: 'completed', done: 5003, total: 5003, clean: false, unconfirmed: 2 },
      },
    ]);
  });
});
