import { openTarget } from '../../../lib/connectors';
import { closeAllClients } from '../../../lib/connectors/clients';
import type { MigrationSpec } from '../../../lib/spec';

/**
 * One writer process of guarded-writers.test.ts: writes every hot key once per round under the
 * version guard, all keys of a round at once, with versions unique to this process (round ×
 * writers + index) in a shuffled order, so across processes each key's versions are unique, many
 * older ones arrive after newer ones, and the highest must win.
 */
async function main() {
  const [specJson, index, writers, rounds, keys] = [process.env.SPEC!, ...['INDEX', 'WRITERS', 'ROUNDS', 'KEYS'].map((n) => Number(process.env[n]))];
  const spec = JSON.parse(specJson) as MigrationSpec;
  const target = openTarget(spec, spec.entities[0].name);
  const shuffle = <T>(items: T[]) =>
    items
      .map((item) => ({ item, r: Math.random() }))
      .sort((a, b) => a.r - b.r)
      .map((x) => x.item);
  for (const round of shuffle(Array.from({ length: rounds }, (_, r) => r + 1))) {
    const version = round * writers + index;
    // Shuffled so the processes collide on different keys each round.
    const order = shuffle(Array.from({ length: keys }, (_, k) => k + 1));
    await Promise.all(order.map((id) => target.writeBatch([{ _id: id, name: `writer ${index}`, email: `v${version}@x.io`, version }], { versionGuard: true })));
  }
  await closeAllClients();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
