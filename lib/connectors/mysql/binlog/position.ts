import type { RowDataPacket } from 'mysql2';
import type { Pool } from 'mysql2/promise';

/** A place in the binary log: a file of the server's binlog and a byte offset in it. */
export interface BinlogPosition {
  file: string;
  offset: number;
}

export function formatPosition(p: BinlogPosition): string {
  return `${p.file}:${p.offset}`;
}

export function parsePosition(text: string): BinlogPosition {
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new Error(`not a binlog position (file:offset): ${JSON.stringify(text)}`);
  return { file: m[1], offset: Number(m[2]) };
}

/** Binlog files share one base name and a zero-padded sequence number, so their names sort in order. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.offset - b.offset;
}

/** Where the server writes next, and its clock (lag is measured on the source's clock). */
export async function binlogEnd(pool: Pool): Promise<{ end: BinlogPosition; serverNowMs: number }> {
  const [[status]] = await pool.query<RowDataPacket[]>('show master status');
  if (!status) throw new Error('the source has no binary log (SHOW MASTER STATUS is empty): sync "cdc" needs log_bin');
  const [[clock]] = await pool.query<RowDataPacket[]>('select unix_timestamp(now(6)) * 1000 as now_ms');
  return { end: { file: String(status.File), offset: Number(status.Position) }, serverNowMs: Number(clock.now_ms) };
}

export interface BinlogFile {
  name: string;
  bytes: number;
}

/** The binlog files the server still has, oldest first. */
export async function binlogFiles(pool: Pool): Promise<BinlogFile[]> {
  const [rows] = await pool.query<RowDataPacket[]>('show binary logs');
  return rows.map((r) => ({ name: String(r.Log_name), bytes: Number(r.File_size) }));
}

/** Bytes of binlog from `from` to `to` (both on the server). */
export function bytesBetween(files: BinlogFile[], from: BinlogPosition, to: BinlogPosition): number {
  if (comparePositions(from, to) >= 0) return 0;
  if (from.file === to.file) return to.offset - from.offset;
  let bytes = 0;
  for (const f of files) {
    if (f.name < from.file || f.name > to.file) continue;
    if (f.name === from.file) bytes += Math.max(0, f.bytes - from.offset);
    else if (f.name === to.file) bytes += to.offset;
    else bytes += f.bytes;
  }
  return bytes;
}
