import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import { keyText } from '../keys';
import type { QuarantineEntry } from '../types';
import { keyHash } from './candidates';
import { textLiteral } from './encode';

/**
 * Records that cannot be stored faithfully land here, in the target database, with the reason and
 * the whole source document (extended JSON), as in PostgreSQL's switchyard_quarantine.
 */
const CREATE = `create table if not exists switchyard_quarantine (
  entity varchar(255) not null,
  key_hash binary(32) not null,
  key_json longtext not null,
  reason text not null,
  document longtext not null,
  quarantined_at timestamp(6) not null default current_timestamp(6),
  primary key (entity, key_hash)) character set utf8mb4 collate utf8mb4_bin`;

export async function quarantineRows(conn: PoolConnection, entries: QuarantineEntry[]): Promise<number> {
  if (!entries.length) return 0;
  await conn.query(CREATE);
  const values = entries.map(
    (e) => `(${textLiteral(e.entity)}, ${keyHash(e.key)}, ${textLiteral(keyText(e.key))}, ${textLiteral(e.reason)}, ${textLiteral(e.document)})`,
  );
  await conn.query<ResultSetHeader>(
    `insert into switchyard_quarantine (entity, key_hash, key_json, reason, document) values ${values.join(', ')}
     on duplicate key update reason = values(reason), document = values(document), quarantined_at = current_timestamp(6)`,
  );
  return entries.length;
}

/** Entries of one entity; a database nothing was ever quarantined in has no table and holds none. */
export async function countQuarantined(conn: PoolConnection, entity: string): Promise<number> {
  const [tables] = await conn.query<RowDataPacket[]>(
    `select 1 from information_schema.tables where table_schema = database() and table_name = 'switchyard_quarantine'`,
  );
  if (!tables.length) return 0;
  const [rows] = await conn.query<RowDataPacket[]>('select count(*) as n from switchyard_quarantine where entity = ?', [entity]);
  return Number(rows[0].n);
}
