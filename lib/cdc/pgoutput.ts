import { formatLsn } from './lsn';

/**
 * Decoder for pgoutput protocol version 1, the logical decoding output plugin built into
 * PostgreSQL ("Logical Replication Message Formats" in the PostgreSQL manual). Pure: one message
 * (the bytes of one row of pg_logical_slot_peek_binary_changes) in, one plain object out.
 */

/** A column value pgoutput left out: an unchanged TOASTed value ('u'), not present in the WAL record. */
export const UNCHANGED_TOAST = Symbol('unchanged TOAST value');

/** Column values in text form, by column position (as listed in the table's Relation message). */
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export type Tuple = TupleValue[];

export interface RelationColumn {
  name: string;
  /** Part of the replica identity (the key sent in old tuples of updates and deletes). */
  key: boolean;
  typeOid: number;
}

/** 'K': only replica-identity columns are present (others null); 'O': the whole old row (REPLICA IDENTITY FULL). */
export type OldTupleKind = 'K' | 'O';

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: string; commitTimeMs: number; xid: number }
  | { tag: 'commit'; commitLsn: string; endLsn: string; commitTimeMs: number }
  | { tag: 'relation'; relationId: number; namespace: string; name: string; replicaIdentity: string; columns: RelationColumn[] }
  | { tag: 'insert'; relationId: number; newTuple: Tuple }
  | { tag: 'update'; relationId: number; oldKind?: OldTupleKind; oldTuple?: Tuple; newTuple: Tuple }
  | { tag: 'delete'; relationId: number; oldKind: OldTupleKind; oldTuple: Tuple }
  | { tag: 'truncate'; relationIds: number[]; cascade: boolean; restartIdentity: boolean }
  /** Origin, Type and logical decoding messages carry nothing a migration applies. */
  | { tag: 'ignored'; kind: string };

/** Timestamps count microseconds from 2000-01-01 00:00 UTC. */
const PG_EPOCH_MS = 946_684_800_000;

export function decodePgOutput(data: Buffer): PgOutputMessage {
  const r = new Reader(data);
  const kind = r.char();
  switch (kind) {
    case 'B':
      return { tag: 'begin', finalLsn: r.lsn(), commitTimeMs: r.timestamp(), xid: r.u32() };
    case 'C': {
      r.u8(); // flags: unused, always 0
      return { tag: 'commit', commitLsn: r.lsn(), endLsn: r.lsn(), commitTimeMs: r.timestamp() };
    }
    case 'R': {
      const relationId = r.u32();
      const namespace = r.cstring();
      const name = r.cstring();
      const replicaIdentity = r.char();
      const columns: RelationColumn[] = [];
      for (let n = r.u16(); n > 0; n--) {
        const flags = r.u8();
        columns.push({ name: r.cstring(), key: (flags & 1) === 1, typeOid: r.u32() });
        r.u32(); // atttypmod
      }
      return { tag: 'relation', relationId, namespace, name, replicaIdentity, columns };
    }
    case 'I': {
      const relationId = r.u32();
      r.expect('N');
      return { tag: 'insert', relationId, newTuple: r.tuple() };
    }
    case 'U': {
      const relationId = r.u32();
      let marker = r.char();
      let oldKind: OldTupleKind | undefined;
      let oldTuple: Tuple | undefined;
      if (marker === 'K' || marker === 'O') {
        oldKind = marker;
        oldTuple = r.tuple();
        marker = r.char();
      }
      if (marker !== 'N') throw new Error(`pgoutput update: expected 'N', got ${JSON.stringify(marker)}`);
      return { tag: 'update', relationId, oldKind, oldTuple, newTuple: r.tuple() };
    }
    case 'D': {
      const relationId = r.u32();
      const marker = r.char();
      if (marker !== 'K' && marker !== 'O') throw new Error(`pgoutput delete: expected 'K' or 'O', got ${JSON.stringify(marker)}`);
      return { tag: 'delete', relationId, oldKind: marker, oldTuple: r.tuple() };
    }
    case 'T': {
      const count = r.u32();
      const options = r.u8();
      const relationIds: number[] = [];
      for (let i = 0; i < count; i++) relationIds.push(r.u32());
      return { tag: 'truncate', relationIds, cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2 };
    }
    case 'O':
    case 'Y':
    case 'M':
      return { tag: 'ignored', kind };
    default:
      throw new Error(`pgoutput: unknown message type ${JSON.stringify(kind)} (protocol version 1 expected)`);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`pgoutput: message truncated at byte ${this.pos} (needs ${n} more of ${this.buf.length})`);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  char(): string {
    return String.fromCharCode(this.u8());
  }
  expect(c: string): void {
    const got = this.char();
    if (got !== c) throw new Error(`pgoutput: expected ${JSON.stringify(c)}, got ${JSON.stringify(got)}`);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  lsn(): string {
    return formatLsn(BigInt.asUintN(64, this.i64()));
  }
  timestamp(): number {
    return PG_EPOCH_MS + Number(this.i64() / 1000n);
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error(`pgoutput: unterminated string at byte ${this.pos}`);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  tuple(): Tuple {
    const values: Tuple = [];
    for (let n = this.u16(); n > 0; n--) {
      const kind = this.char();
      if (kind === 'n') values.push(null);
      else if (kind === 'u') values.push(UNCHANGED_TOAST);
      else if (kind === 't') {
        const len = this.u32();
        this.need(len);
        values.push(this.buf.toString('utf8', this.pos, this.pos + len));
        this.pos += len;
      } else {
        // 'b' (binary) only appears when the binary option is requested, which this consumer never does.
        throw new Error(`pgoutput: unsupported tuple value kind ${JSON.stringify(kind)}`);
      }
    }
    return values;
  }
}
