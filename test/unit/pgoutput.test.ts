import { decodePgOutput, UNCHANGED_TOAST } from '../../lib/cdc/pgoutput';
import { formatLsn, parseLsn } from '../../lib/cdc/lsn';

/** Hand-built messages per "Logical Replication Message Formats" (protocol version 1). */
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const str = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), u8(0)]);
const ch = (c: string) => Buffer.from(c, 'ascii');
const text = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([ch('t'), u32(b.length), b]);
};
const tuple = (...values: Buffer[]) => Buffer.concat([u16(values.length), ...values]);

/** 2024-01-02T03:04:05.123456Z in microseconds since 2000-01-01. */
const TS_US = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5, 123) - Date.UTC(2000, 0, 1)) * 1000n + 456n;

describe('pgoutput decoder', () => {
  it('decodes Begin and Commit with LSNs and commit times', () => {
    expect(decodePgOutput(Buffer.concat([ch('B'), i64(0x16b374d848n), i64(TS_US), u32(7)]))).toEqual({
      tag: 'begin',
      finalLsn: '16/B374D848',
      commitTimeMs: Date.UTC(2024, 0, 2, 3, 4, 5, 123),
      xid: 7,
    });
    expect(decodePgOutput(Buffer.concat([ch('C'), u8(0), i64(0x100n), i64(0x1ffn), i64(TS_US)]))).toEqual({
      tag: 'commit',
      commitLsn: '0/100',
      endLsn: '0/1FF',
      commitTimeMs: Date.UTC(2024, 0, 2, 3, 4, 5, 123),
    });
  });

  it('decodes a Relation with its key columns', () => {
    const msg = Buffer.concat([
      ch('R'),
      u32(16384),
      str('public'),
      str('users'),
      ch('d'),
      u16(2),
      u8(1),
      str('id'),
      u32(23),
      u32(0xffffffff),
      u8(0),
      str('naïve'),
      u32(25),
      u32(0xffffffff),
    ]);
    expect(decodePgOutput(msg)).toEqual({
      tag: 'relation',
      relationId: 16384,
      namespace: 'public',
      name: 'users',
      replicaIdentity: 'd',
      columns: [
        { name: 'id', key: true, typeOid: 23 },
        { name: 'naïve', key: false, typeOid: 25 },
      ],
    });
  });

  it('decodes null, unchanged-TOAST and text values, and an update with the old key', () => {
    const msg = Buffer.concat([ch('U'), u32(5), ch('K'), tuple(text('1'), ch('n'), ch('n')), ch('N'), tuple(text('2'), ch('u'), ch('n'))]);
    expect(decodePgOutput(msg)).toEqual({ tag: 'update', relationId: 5, oldKind: 'K', oldTuple: ['1', null, null], newTuple: ['2', UNCHANGED_TOAST, null] });
  });

  it('decodes an update without an old tuple, an insert and a delete with the full old row', () => {
    expect(decodePgOutput(Buffer.concat([ch('U'), u32(5), ch('N'), tuple(text('é'))]))).toEqual({
      tag: 'update',
      relationId: 5,
      oldKind: undefined,
      oldTuple: undefined,
      newTuple: ['é'],
    });
    expect(decodePgOutput(Buffer.concat([ch('I'), u32(5), ch('N'), tuple(text(''), ch('n'))]))).toEqual({ tag: 'insert', relationId: 5, newTuple: ['', null] });
    expect(decodePgOutput(Buffer.concat([ch('D'), u32(5), ch('O'), tuple(text('3'), text('x'))]))).toEqual({
      tag: 'delete',
      relationId: 5,
      oldKind: 'O',
      oldTuple: ['3', 'x'],
    });
  });

  it('decodes Truncate options and tolerates Origin, Type and Message', () => {
    expect(decodePgOutput(Buffer.concat([ch('T'), u32(2), u8(3), u32(10), u32(11)]))).toEqual({
      tag: 'truncate',
      relationIds: [10, 11],
      cascade: true,
      restartIdentity: true,
    });
    expect(decodePgOutput(Buffer.concat([ch('O'), i64(1n), str('node_a')]))).toEqual({ tag: 'ignored', kind: 'O' });
    expect(decodePgOutput(Buffer.concat([ch('Y'), u32(1), str('public'), str('mood')]))).toEqual({ tag: 'ignored', kind: 'Y' });
  });

  it('rejects truncated, unknown and binary-format input with a clear error', () => {
    expect(() => decodePgOutput(Buffer.concat([ch('I'), u32(5), ch('N'), u16(1), ch('t'), u32(10), Buffer.from('abc')]))).toThrow(/truncated/);
    expect(() => decodePgOutput(ch('Z'))).toThrow(/unknown message type "Z"/);
    expect(() => decodePgOutput(Buffer.concat([ch('I'), u32(5), ch('N'), tuple(Buffer.concat([ch('b'), u32(0)]))]))).toThrow(
      /unsupported tuple value kind "b"/,
    );
    expect(() => decodePgOutput(Buffer.concat([ch('D'), u32(5), ch('N'), tuple()]))).toThrow(/expected 'K' or 'O'/);
  });

  it('round-trips LSNs above 2^53 exactly', () => {
    expect(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
    expect(parseLsn('1/0') - parseLsn('0/FFFFFFFF')).toBe(1n);
    expect(() => parseLsn('16B374D848')).toThrow(/not an LSN/);
  });
});
