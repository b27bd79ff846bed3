import type { ResolvedConnection } from '../connections';
import type { Row } from '../mapping/entity';
import type { OpenSide } from './engine';
import type { Key, MappedRecord, QuarantineEntry } from './types';

/** How one entity is stored in a SQL table, and how its rows turn into mapped records and back: what every table engine opens a side from. */
export interface TableSideOptions {
  entity: string;
  side: 'source' | 'target';
  conn: ResolvedConnection;
  table: string;
  /** Stored key columns, in key order. */
  key: string[];
  version?: string;
  /** Zone of wall-clock timestamp columns (timestamp, datetime). */
  zone: string;
  /** Key fields of the mapped record, position by position the same values as `key`. */
  recordKey: string[];
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  /** What of a stored row that failed to map a quarantine entry keeps: the fields the spec maps. */
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

export function tableSideOptions(side: OpenSide): TableSideOptions {
  return {
    entity: side.entity.name,
    side: side.side,
    conn: side.conn,
    table: side.name,
    key: side.storedKey,
    version: side.version,
    zone: side.entity.timestampZone,
    recordKey: side.recordKey,
    toRecord: side.toRecord,
    fromRecord: side.fromRecord,
    quarantined: side.quarantined,
  };
}

/** A page of a table read: the records that mapped, the rows that did not, and where it ended. */
export interface TablePage {
  records: MappedRecord[];
  rejected: QuarantineEntry[];
  bytes: number;
  /** Key of the last row read (also when that row was rejected). */
  lastKey?: Key;
  full: boolean;
}
