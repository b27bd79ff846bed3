import { metrics, setCurrentPhase } from '../../lib/metrics';

const series = async () => (await metrics.phase.get()).values.map((v) => [v.labels.migration_id, v.labels.phase, v.value]);

describe('switchyard_migration_phase', () => {
  beforeEach(() => metrics.phase.reset());

  it('moves one migration to its new phase without touching the series of another on the same worker', async () => {
    await setCurrentPhase('orders', 'backfill');
    await setCurrentPhase('users', 'shadow_read');
    await setCurrentPhase('orders', 'verify');
    expect(await series()).toEqual(
      expect.arrayContaining([
        ['orders', 'backfill', 0],
        ['orders', 'verify', 1],
        ['users', 'shadow_read', 1],
      ]),
    );
    expect(await series()).toHaveLength(3);
  });
});
