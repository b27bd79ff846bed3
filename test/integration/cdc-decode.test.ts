import { Client } from 'pg';
import { cdcBlockers, cdcNames, decodePgOutput, dropPublicationAndSlot, ensurePublicationAndSlot, PgOutputMessage, UNCHANGED_TOAST } from '../../lib/cdc';
import { createDataFixture, DataFixture } from './backfill-fixtures';

let f: DataFixture;
const names = cdcNames('cdc-decode-test');

beforeAll(async () => {
  f = await createDataFixture('cdcdec');
});

afterAll(async () => {
  await dropPublicationAndSlot(f.pg, names);
  await f.close();
});

const BIG = Array.from({ length: 2000 }, (_, i) => (i * 2654435761) % 1000003).join(',');

async function peekAll(client: Client): Promise<PgOutputMessage[]> {
  const { rows } = await client.query<{ data: Buffer }>(
    `select data from pg_logical_slot_peek_binary_changes($1, null, null, 'proto_version', '1', 'publication_names', $2)`,
    [names.slot, names.publication],
  );
  return rows.map((r) => decodePgOutput(r.data));
}

describe('pgoutput decoder on bytes from the live server', () => {
  it('decodes relation, insert, unchanged TOAST, key change, delete and truncate', async () => {
    await f.pg.query('create table t (id integer primary key, big text, n integer)');
    await f.pg.query('insert into t values (1, $1, 0)', [BIG]);
    await ensurePublicationAndSlot(f.pg, names, ['t']);
    await f.pg.query(`insert into t values (2, null, 5)`);
    await f.pg.query('update t set n = 1 where id = 1');
    await f.pg.query('update t set id = 10 where id = 2');
    await f.pg.query('delete from t where id = 10');
    await f.pg.query('truncate t');

    const messages = await peekAll(f.pg);
    const changes = messages.filter((m) => !['begin', 'commit', 'relation'].includes(m.tag));
    const relation = messages.find((m) => m.tag === 'relation');
    expect(relation).toMatchObject({ namespace: 'public', name: 't', replicaIdentity: 'd' });
    expect(relation?.tag === 'relation' && relation.columns.map((c) => [c.name, c.key, c.typeOid])).toEqual([
      ['id', true, 23],
      ['big', false, 25],
      ['n', false, 23],
    ]);
    const relationId = relation?.tag === 'relation' ? relation.relationId : -1;
    expect(changes).toEqual([
      { tag: 'insert', relationId, newTuple: ['2', null, '5'] },
      { tag: 'update', relationId, oldKind: undefined, oldTuple: undefined, newTuple: ['1', UNCHANGED_TOAST, '1'] },
      { tag: 'update', relationId, oldKind: 'K', oldTuple: ['2', null, null], newTuple: ['10', null, '5'] },
      { tag: 'delete', relationId, oldKind: 'K', oldTuple: ['10', null, null] },
      { tag: 'truncate', relationIds: [relationId], cascade: false, restartIdentity: false },
    ]);
    expect(messages.filter((m) => m.tag === 'commit')).toHaveLength(5);
    const begin = messages[0];
    expect(begin.tag === 'begin' && Math.abs(begin.commitTimeMs - Date.now())).toBeLessThan(60_000);
  });

  it('preflight finds no blockers for a superuser on a logical-WAL server', async () => {
    expect(await cdcBlockers(f.pg, ['t'], names.slot)).toEqual([]);
  });

  it('preflight names what a plain role lacks', async () => {
    const role = `cdc_plain_${process.pid}`;
    await f.pg.query(`create role ${role} login password 'x-plain-pw'`);
    try {
      await f.pg.query(`set role ${role}`);
      const blockers = await cdcBlockers(f.pg, ['t'], 'no_such_slot');
      expect(blockers).toEqual([expect.stringMatching(/neither REPLICATION nor SUPERUSER/), expect.stringMatching(/does not own table t/)]);
    } finally {
      await f.pg.query('reset role');
      await f.pg.query(`drop role ${role}`);
    }
  });
});
