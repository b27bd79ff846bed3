import type { MigrationSpec } from '../../spec/schema';
import { mongoClient } from '../clients';
import type { Engine } from '../engine';
import { mongoEntity } from './entity';
import { probeMongo } from './probe';

export const mongoEngine: Engine = {
  kind: 'mongodb',
  product: 'MongoDB',
  schemes: ['mongodb', 'mongodb+srv'],
  stores: 'collection',
  open: (side) =>
    mongoEntity({
      entity: side.entity.name,
      side: side.side,
      conn: side.conn,
      database: side.sideSpec.database!,
      collection: side.name,
      storedKey: side.storedKey,
      recordKey: side.recordKey,
      version: side.version,
      dialect: side.sideSpec.dialect,
      microseconds: side.entity.microseconds,
      toRecord: side.toRecord,
      fromRecord: side.fromRecord,
      quarantined: side.quarantined,
    }),
  probe: (conn, database) => probeMongo(conn, database),
  serverBlockers: async (spec, role, conn) => {
    if (role !== 'target') return [];
    const info = await (await mongoClient(conn)).db('admin').command({ buildInfo: 1 });
    return dialectBlockers(spec, conn.name, typeof info.ferretdbVersion === 'string');
  },
  planSide: async (p) => {
    if (p.side !== 'source') return { blockers: [], indexes: [] };
    const names = await (await mongoClient(p.conn)).db(p.sideSpec.database!).listCollections({ name: p.name }).toArray();
    return { blockers: names.length ? [] : [`source collection ${p.sideSpec.database}.${p.name} does not exist`], indexes: [] };
  },
};

export function dialectBlockers(spec: MigrationSpec, connection: string, isFerretDb: boolean): string[] {
  return spec.target.dialect === 'mongodb' && isFerretDb
    ? [`target ${connection} is FerretDB, which rejects Decimal128, NaN and Infinity: set target.dialect to "ferretdb"`]
    : [];
}
