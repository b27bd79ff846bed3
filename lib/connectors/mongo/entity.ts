import { BSON, Collection, Db, Document, Filter } from 'mongodb';
import type { ResolvedConnection } from '../../connections';
import type { Row } from '../../mapping/entity';
import { FidelityError } from '../../mapping/errors';
import type { Value } from '../../mapping/values';
import { mongoClient } from '../clients';
import { streamingDigests } from '../digest';
import { hashByPages } from '../hash';
import { fromKeyPart, keyOfRecord, keyText, toKeyPart } from '../keys';
import { connectorIdentity, readWithinBudget, sizeHintFor } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import { boundariesToRanges } from '../ranges';
import type { EntityConnector, FetchResult, Key, KeyRange, MappedRecord, QuarantineEntry, ReadRequest, ReadResult } from '../types';
import { CONDITIONAL_CHUNK, deleteByIds, findByIds, pointwise } from './by-ids';
import { BsonOptions, decodeDocument, decodeValue, encodeDocument, escapeKey, idFilter, READ_OPTIONS, StoredDoc } from './codec';
import { dropRetiredCollection, restoreCollection, retireCollection } from './retire';
import { deleteDocument, tombstonedVersions } from './tombstones';
import { oversizeReason, storableExtendedJson } from './document-size';
import { writeDocuments } from './write';

export interface MongoEntityOptions extends BsonOptions {
  entity: string;
  side: 'source' | 'target';
  conn: ResolvedConnection;
  database: string;
  collection: string;
  /**
   * Key fields of the stored document. ["_id"] uses _id as it is; any other key is copied into
   * _id (one field: its value; several: a sub-document in key order), so every key lookup and
   * range scan uses the _id index, which MongoDB and FerretDB always have.
   */
  storedKey: string[];
  /** Key fields of the mapped record (same values, position by position). */
  recordKey: string[];
  version?: string;
  toRecord(row: Row): MappedRecord;
  /** What of a stored document that failed to map a quarantine entry keeps: the fields the spec maps. */
  quarantined<T>(row: Record<string, T>): Record<string, T>;
  fromRecord(record: MappedRecord): Row;
}

/** Documents per batch of a digest scan. */
const SCAN_BATCH = 1000;
const SPLIT_SAMPLES_PER_RANGE = 1000;

export function mongoEntity(options: MongoEntityOptions): EntityConnector {
  const derivedId = !(options.storedKey.length === 1 && options.storedKey[0] === '_id');
  const docSize = sizeHintFor(`mongodb\u0000${options.conn.name}\u0000${options.database}.${options.collection}`);

  async function database(): Promise<Db> {
    return (await mongoClient(options.conn)).db(options.database);
  }

  async function collection(): Promise<Collection<StoredDoc>> {
    return (await database()).collection(options.collection);
  }

  const idOf = (key: Key): unknown => {
    if (key.length !== options.storedKey.length)
      throw new Error(`key ${JSON.stringify(key)} has ${key.length} parts, ${options.entity} has ${options.storedKey.length} key fields`);
    const values = key.map(fromKeyPart);
    return values.length === 1 ? values[0] : Object.fromEntries(options.storedKey.map((f, i) => [f, values[i]]));
  };

  const rangeFilter = (range: KeyRange & { after?: Key }): Filter<StoredDoc> => {
    const cond: Record<string, unknown> = {};
    if (range.from) cond.$gte = idOf(range.from);
    if (range.to) cond.$lt = idOf(range.to);
    if (range.after) cond.$gt = idOf(range.after);
    return Object.keys(cond).length ? idFilter(cond) : {};
  };

  const storedKeyOf = (doc: Record<string, unknown>): Key => {
    const id = decodeValue(doc._id);
    if (options.storedKey.length === 1) return [toKeyPart(id)];
    return options.storedKey.map((f) => toKeyPart((id as Record<string, Value>)[f]));
  };

  /** Decodes and maps stored documents; those that cannot be mapped exactly are rejected with the reason. */
  const toRecords = (docs: Document[]) => {
    const records: MappedRecord[] = [];
    const rejected: QuarantineEntry[] = [];
    for (const doc of docs) {
      try {
        const row = decodeDocument(doc);
        if (derivedId) delete row._id;
        records.push(options.toRecord(row));
      } catch (err) {
        if (!(err instanceof FidelityError)) throw err;
        rejected.push(quarantineEntry(options.entity, storedKeyOf(doc), err.message, options.quarantined(doc)));
      }
    }
    return { records, rejected };
  };

  const toDocument = (record: MappedRecord): StoredDoc => {
    const doc = encodeDocument(options.fromRecord(record), options) as StoredDoc;
    if (derivedId) doc._id = idOf(keyOfRecord(record, options.recordKey));
    return doc;
  };

  /**
   * One cursor per page, its batch size what the byte budget holds at the average document size,
   * closed as soon as the budget is spent: one query per page (FerretDB scans the collection for
   * each), about one budget of documents in memory.
   */
  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const coll = await collection();
    const limit = Math.max(1, Math.floor(request.limit));
    let after = request.after;
    let taken = 0;
    const find = (count: number) =>
      coll
        .find(rangeFilter({ ...request, after }), READ_OPTIONS)
        .sort({ _id: 1 })
        .limit(count);
    let cursor: ReturnType<typeof find> | undefined;
    const next = async (count: number): Promise<Document[]> => {
      if (!cursor && docSize.average === undefined) {
        // No document size seen yet: one document tells, before a batch size is chosen.
        const docs = await find(1).toArray();
        if (docs.length) after = storedKeyOf(docs[0]);
        taken += docs.length;
        return docs;
      }
      cursor ??= find(limit - taken).batchSize(count);
      const docs: Document[] = [];
      while (docs.length < count) {
        const doc = await cursor.next();
        if (!doc) break;
        docs.push(doc);
      }
      return docs;
    };
    try {
      const page = await readWithinBudget(next, (d) => BSON.calculateObjectSize(d), request, docSize);
      const last = page.items[page.items.length - 1];
      return { ...toRecords(page.items), bytes: page.bytes, lastKey: page.full && last ? storedKeyOf(last) : undefined };
    } finally {
      await cursor?.close();
    }
  }

  /**
   * Digests need no order: one unsorted cursor per range. FerretDB sorts a sorted query in full
   * and re-scans the collection for every keyset page, so this is one scan instead of many.
   */
  async function unorderedScan(range: KeyRange, each: (batch: FetchResult) => void): Promise<void> {
    const coll = await collection();
    let batch: Document[] = [];
    for await (const doc of coll.find(rangeFilter(range), READ_OPTIONS).batchSize(SCAN_BATCH)) {
      batch.push(doc);
      if (batch.length >= SCAN_BATCH) {
        each(toRecords(batch));
        batch = [];
      }
    }
    if (batch.length) each(toRecords(batch));
  }

  return {
    ...connectorIdentity(options, 'mongodb'),
    readRange,
    async splitRanges(n) {
      const coll = await collection();
      const total = await coll.estimatedDocumentCount();
      const step = Math.max(1, Math.floor(total / (n * SPLIT_SAMPLES_PER_RANGE)));
      const keys: Key[] = [];
      let i = 0;
      // Streams _id only and keeps every step-th: memory is bounded by n × samples, not the collection.
      for await (const doc of coll.find({}, { ...READ_OPTIONS, projection: { _id: 1 } }).sort({ _id: 1 })) {
        if (i++ % step === 0) keys.push(storedKeyOf(doc));
      }
      return boundariesToRanges(keys, n);
    },
    hashRange: (range) => hashByPages(readRange, range),
    ...streamingDigests(unorderedScan, (record) => keyOfRecord(record, options.recordKey)),
    // FerretDB evaluates an _id range in its own process after reading every document.
    wholeScans: options.dialect === 'ferretdb',
    async fetchByKeys(keys) {
      if (!keys.length) return { records: [], rejected: [] };
      const docs = await findByIds(await collection(), keys.map(idOf), options.dialect, READ_OPTIONS);
      const position = new Map(keys.map((k, i) => [keyText(k), i]));
      const at = (r: MappedRecord) => position.get(keyText(keyOfRecord(r, options.recordKey))) ?? 0;
      const { records, rejected } = toRecords(docs);
      return { records: records.sort((a, b) => at(a) - at(b)), rejected };
    },
    /** The record as this collection stores and reads it back: through the same codec and BSON, so the types are the ones a read gives. */
    async storedForm(records) {
      return records.map((record) => {
        try {
          const stored = toRecords([BSON.deserialize(BSON.serialize(toDocument(record)), READ_OPTIONS)]);
          return stored.records[0] ?? record;
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          return record;
        }
      });
    },
    async writeBatch(records, opts) {
      let docs: Array<{ doc: StoredDoc; record: MappedRecord }> = [];
      const rejected: QuarantineEntry[] = [];
      const reject = (record: MappedRecord, reason: string) =>
        rejected.push(quarantineEntry(options.entity, keyOfRecord(record, options.recordKey), reason, record));
      for (const record of records) {
        try {
          docs.push({ doc: toDocument(record), record });
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          reject(record, err.message);
        }
      }
      const write = async () =>
        writeDocuments(
          await collection(),
          docs.map((d) => d.doc),
          options.version,
          { ...opts, versionGuard: opts?.versionGuard ?? true },
          options.dialect,
        );
      let result;
      try {
        result = await write();
      } catch (err) {
        // The driver refuses a batch holding one document over the limit; that document is quarantined, the rest written.
        const sized = docs.map((d) => ({ ...d, oversize: oversizeReason(d.doc) }));
        if (!sized.some((d) => d.oversize)) throw err;
        for (const d of sized) if (d.oversize) reject(d.record, d.oversize);
        docs = sized.filter((d) => !d.oversize);
        result = await write();
      }
      for (const r of result.refused) reject(docs[r.index].record, `(stored document): the server refused it: ${r.reason}`);
      if (rejected.length) await quarantineDocuments(options, rejected);
      return { written: result.written, skipped: result.skipped, quarantined: rejected.length };
    },
    quarantine: (entries) => quarantineDocuments(options, entries),
    quarantined: async () => (await database()).collection(QUARANTINE).countDocuments({ entity: options.entity }),
    async deleteKeys(keys, opts) {
      if (!keys.length) return { deleted: 0, kept: [] };
      const coll = await collection();
      if (!options.version) return { deleted: await deleteByIds(coll, keys.map(idOf), options.dialect), kept: [] };
      const stones = { coll, version: escapeKey(options.version), dialect: options.dialect };
      const upTo = opts?.upTo === undefined || opts.upTo === null ? opts?.upTo : (encodeDocument({ [options.version]: opts.upTo }, options) as StoredDoc);
      const results = await pointwise(keys, (key) => deleteDocument(stones, idOf(key), upTo));
      const removed = results.filter((r) => r.removed !== undefined);
      return {
        deleted: removed.length,
        kept: keys.filter((_, i) => results[i].kept),
        ...(removed.length === 1 ? { removedVersion: removed[0].removed } : {}),
      };
    },
    ...(options.side === 'target' && options.version
      ? {
          deletedVersions: async (keys: Key[]) => {
            const version = options.version as string;
            const found = await tombstonedVersions({ coll: await collection(), version: escapeKey(version), dialect: options.dialect }, keys.map(idOf));
            return new Map(keys.flatMap((k, i) => (found[i] === undefined ? [] : [[keyText(k), found[i] as Value] as const])));
          },
        }
      : {}),
    count: async (range) => (await collection()).countDocuments(rangeFilter(range ?? {})),
    estimate: async () => (await collection()).estimatedDocumentCount(),
    retire: async (tag) => retireCollection(await database(), options.collection, tag),
    restore: async (tag) => restoreCollection(await database(), options.collection, tag),
    drop: async (tag) => dropRetiredCollection(await database(), options.collection, tag),
  };
}

/** MongoDB targets keep quarantined records in a switchyard_quarantine collection of the same database. */
const QUARANTINE = 'switchyard_quarantine';

async function quarantineDocuments(options: MongoEntityOptions, entries: QuarantineEntry[]): Promise<number> {
  if (!entries.length) return 0;
  const coll = (await mongoClient(options.conn)).db(options.database).collection<StoredDoc>(QUARANTINE);
  const ops = entries.map((e) => {
    const _id = JSON.stringify([e.entity, e.key]);
    const replacement: StoredDoc = {
      _id,
      entity: e.entity,
      key: JSON.stringify(e.key),
      reason: e.reason,
      document: storableExtendedJson(e.document),
      quarantinedAt: new Date(),
    };
    return { replaceOne: { filter: idFilter(_id), replacement, upsert: true } };
  });
  for (let i = 0; i < ops.length; i += CONDITIONAL_CHUNK) await coll.bulkWrite(ops.slice(i, i + CONDITIONAL_CHUNK), { ordered: false });
  return entries.length;
}
