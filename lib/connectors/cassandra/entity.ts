import type { ResolvedConnection } from '../../connections';
import type { Row } from '../../mapping/entity';
import { FidelityError } from '../../mapping/errors';
import { mapConcurrently } from '../concurrent';
import { keyInRange } from '../key-order';
import { fromKeyPart, keyOfRecord, keyText, toKeyPart } from '../keys';
import { streamingDigests } from '../digest';
import { connectorIdentity } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import { orderedHash, orderedPage, UnorderedScan } from '../scan-order';
import type { EntityConnector, FetchResult, Key, KeyRange, MappedRecord, QuarantineEntry, ReadRequest, ReadResult } from '../types';
import { cassandraClient } from './client';
import { decodeValue, encodeValue } from './codec';
import { countQuarantined, quarantineRows } from './quarantine';
import { allColumns, decodeRow, encodeRow, Microseconds, rowBytes } from './row';
import { dropRetiredTable, restoreTable, retireTable } from './retire';
import { ident, qualified, TableShape, tableShape } from './schema';
import { tokenScan } from './scan';
import { parseCassandraUrl } from './url';
import { CqlTable, deleteRow, insertRow, newestWrite, rowExists, storedVersion, versionTimestamp } from './write';

export interface CassandraEntityOptions {
  entity: string;
  side: 'source' | 'target';
  conn: ResolvedConnection;
  table: string;
  /** Key fields as stored: the table's partition key columns, then its clustering columns. */
  key: string[];
  recordKey: string[];
  version?: string;
  microseconds: Microseconds;
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

const POINT_CONCURRENCY = 32;

/**
 * One entity in a Cassandra table (docs/types.md, "Cassandra"). Writes and deletes carry USING
 * TIMESTAMP from the version field, so the newest version wins inside Cassandra whatever order
 * writes arrive in (write.ts). Cassandra reads no key range in order (a scan comes in token
 * order): verification summarizes the table in one token-range scan (scanRange), and readRange /
 * hashRange filter and sort a scan in memory for the few ranges a diff or a copy-back reads.
 */
export function cassandraEntity(options: CassandraEntityOptions): EntityConnector & { scanRange: ReturnType<typeof scanner> } {
  const where = parseCassandraUrl(options.conn.url);
  let opened: Promise<CqlTable> | undefined;
  const cql = (): Promise<CqlTable> => {
    opened ??= (async () => {
      const client = await cassandraClient(options.conn);
      const shape = await tableShape(client, where.keyspace, options.table);
      if (!shape) throw new Error(`Cassandra table ${where.keyspace}.${options.table} does not exist`);
      const stored = [...shape.partition, ...shape.clustering];
      if (stored.join(',') !== options.key.join(','))
        throw new Error(
          `Cassandra table ${where.keyspace}.${options.table} is keyed by (${stored.join(', ')}) but the spec's key is (${options.key.join(', ')}): partition key columns first, then clustering columns`,
        );
      return { client, shape, key: options.key, columns: allColumns(shape), version: options.version };
    })();
    opened.catch(() => (opened = undefined));
    return opened;
  };

  const keyValues = (t: CqlTable, key: Key) => {
    if (key.length !== options.key.length)
      throw new Error(`key ${keyText(key)} has ${key.length} parts, ${options.entity} has ${options.key.length} key fields`);
    return options.key.map((f, i) => encodeValue(f, fromKeyPart(key[i]), t.shape.columns.get(f)!));
  };
  const storedKeyOf = (shape: TableShape, row: Record<string, unknown>): Key => options.key.map((f) => toKeyPart(decodeValue(row[f], shape.columns.get(f)!)));

  const toRecords = (shape: TableShape, rows: Array<Record<string, unknown>>): FetchResult => {
    const records: MappedRecord[] = [];
    const rejected: QuarantineEntry[] = [];
    for (const r of rows) {
      const row = decodeRow(r, shape);
      try {
        records.push(options.toRecord(row));
      } catch (err) {
        if (!(err instanceof FidelityError)) throw err;
        rejected.push(quarantineEntry(options.entity, storedKeyOf(shape, r), err.message, options.quarantined(row)));
      }
    }
    return { records, rejected };
  };

  const scanRange = scanner(cql, where.ranges, toRecords, storedKeyOf);

  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const t = await cql();
    const scan: UnorderedScan<Record<string, unknown>> = (each) => tokenScan(t.client, t.shape, t.columns, where.ranges, each);
    const page = await orderedPage(scan, (row) => storedKeyOf(t.shape, row), request);
    return { ...toRecords(t.shape, page.items), bytes: page.items.reduce((n, r) => n + rowBytes(r), 0), lastKey: page.lastKey };
  }

  const encode = (t: CqlTable, record: MappedRecord) => encodeRow(options.fromRecord(record), t.shape, t.columns, options.microseconds);

  return {
    ...connectorIdentity(options, 'cassandra'),
    scanRange,
    readRange,
    // One range: Cassandra has no key order to cut (its token ranges split a scan instead).
    splitRanges: async () => [{}],
    hashRange: (range) => orderedHash(scanRange, (r) => keyOfRecord(r, options.recordKey), range),
    ...streamingDigests(scanRange, (r) => keyOfRecord(r, options.recordKey)),
    async fetchByKeys(keys) {
      const t = await cql();
      const unique = [...new Map(keys.map((k) => [keyText(k), k])).values()];
      const select = `SELECT ${t.columns.map(ident).join(', ')} FROM ${qualified(t.shape)} WHERE ${options.key.map((k) => `${ident(k)} = ?`).join(' AND ')}`;
      const rows = await mapConcurrently(unique, POINT_CONCURRENCY, async (k) => (await t.client.execute(select, keyValues(t, k), { prepare: true })).first());
      return toRecords(
        t.shape,
        rows.filter((r) => !!r),
      );
    },
    async writeBatch(records, opts) {
      const t = await cql();
      const guarded = opts?.versionGuard ?? true;
      const rejected: QuarantineEntry[] = [];
      let written = 0;
      let skipped = 0;
      await mapConcurrently(records, POINT_CONCURRENCY, async (record) => {
        const key = keyOfRecord(record, options.recordKey);
        try {
          const values = encode(t, record);
          if (!options.version) {
            if (opts?.existingOnly && guarded) return void skipped++;
            return void ((await insertRow(t, values, undefined, guarded)) ? written++ : skipped++);
          }
          const versionAt = versionTimestamp(options.version, record[options.version]);
          if (opts?.existingOnly && !(await rowExists(t, keyValues(t, key)))) return void skipped++;
          const timestamp = guarded ? versionAt : await aboveStored(t, keyValues(t, key), versionAt);
          await insertRow(t, values, timestamp);
          // The write is blind: it took effect if the version column now carries its timestamp.
          const now = await storedVersion(t, keyValues(t, key));
          if (now?.writtenAt === timestamp) written++;
          else skipped++;
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          rejected.push(quarantineEntry(options.entity, key, err.message, record));
        }
      });
      if (rejected.length) await quarantineRows(t.client, where.keyspace, rejected);
      return { written, skipped, quarantined: rejected.length };
    },
    async storedForm(records) {
      const t = await cql();
      return records.map((record) => {
        try {
          const values = encode(t, record);
          return options.toRecord(decodeRow(Object.fromEntries(t.columns.map((c, i) => [c, values[i]])), t.shape));
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          return record;
        }
      });
    },
    quarantine: async (entries) => quarantineRows((await cql()).client, where.keyspace, entries),
    quarantined: async () => countQuarantined((await cql()).client, where.keyspace, options.entity),
    async deleteKeys(keys, opts) {
      const t = await cql();
      const version = options.version;
      const results = await mapConcurrently(keys, POINT_CONCURRENCY, async (key) => {
        const k = keyValues(t, key);
        if (!version) {
          const existed = await rowExists(t, k);
          await deleteRow(t, k, undefined);
          return { kept: false, removed: existed ? null : undefined };
        }
        const before = await storedVersion(t, k);
        if (opts?.upTo === null) return { kept: before !== undefined };
        // Without upTo: at the stored version's write timestamp (the server's time if it has none); absent: nothing to delete.
        const at = opts?.upTo !== undefined ? versionTimestamp(version, opts.upTo) : before ? (before.writtenAt ?? undefined) : null;
        if (at === null) return { kept: false };
        // The tombstone hides every cell written at or below the version: an older write arriving later stays hidden.
        await deleteRow(t, k, at);
        const after = await storedVersion(t, k);
        const removed =
          before && (after === undefined || after.writtenAt !== before.writtenAt) ? decodeValue(before.version, t.shape.columns.get(version)!) : undefined;
        return { kept: after !== undefined, removed };
      });
      const removed = results.filter((r) => r.removed !== undefined);
      return {
        deleted: removed.length,
        kept: keys.filter((_, i) => results[i].kept),
        ...(removed.length === 1 && version ? { removedVersion: removed[0].removed! } : {}),
      };
    },
    async count(range) {
      const t = await cql();
      let n = 0;
      await tokenScan(t.client, t.shape, options.key, where.ranges, (rows) => {
        n += range?.from || range?.to ? rows.filter((r) => keyInRange(storedKeyOf(t.shape, r), range)).length : rows.length;
      });
      return n;
    },
    async estimate() {
      const t = await cql();
      const result = await t.client.execute(
        'SELECT partitions_count FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?',
        [where.keyspace, options.table],
        { prepare: true },
      );
      return result.rows.reduce((s, r) => s + Number(r.partitions_count), 0);
    },
    retire: async (tag) => retireTable(await cassandraClient(options.conn), where.keyspace, options.table, tag),
    restore: async (tag) => restoreTable(await cassandraClient(options.conn), where.keyspace, options.table, tag),
    drop: async (tag) => dropRetiredTable(await cassandraClient(options.conn), where.keyspace, options.table, tag),
  };
}

/**
 * An unguarded write is the truth about its row (reconcile's repair of a row damaged at the same
 * version, a CDC re-insert): it must replace cells written at or above its version's timestamp,
 * so it goes one microsecond above the row's newest cell when that is higher. A
 * tombstone is not visible to WRITETIME: a re-insert below a delete's timestamp stays hidden
 * (docs/types.md, "Cassandra").
 */
async function aboveStored(t: CqlTable, key: unknown[], versionAt: bigint): Promise<bigint> {
  const newest = await newestWrite(t, key);
  return newest !== undefined && newest >= versionAt ? newest + 1n : versionAt;
}

/** A RangeScan over the whole table by token ranges, filtered to the key range. */
function scanner(
  cql: () => Promise<CqlTable>,
  ranges: number,
  toRecords: (shape: TableShape, rows: Array<Record<string, unknown>>) => FetchResult,
  storedKeyOf: (shape: TableShape, row: Record<string, unknown>) => Key,
) {
  return async (range: KeyRange & { after?: Key }, each: (batch: FetchResult) => void): Promise<void> => {
    const t = await cql();
    const open = !range.from && !range.to && !range.after;
    await tokenScan(t.client, t.shape, t.columns, ranges, (rows) =>
      each(toRecords(t.shape, open ? rows : rows.filter((r) => keyInRange(storedKeyOf(t.shape, r), range)))),
    );
  };
}
