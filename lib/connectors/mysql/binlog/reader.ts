import ZongJi, { BinlogEvent, DeleteRowsEvent, QueryEvent, RowData, UpdateRowsEvent, WriteRowsEvent } from '@vlasky/zongji';
import type { ResolvedConnection } from '../../../connections';
import { BinlogPosition, comparePositions, formatPosition } from './position';

/** A row change of a watched table: the row images as the binlog carries them. */
export type RowChange =
  | { table: string; kind: 'insert' | 'delete'; row: RowData }
  | { table: string; kind: 'update'; before: RowData; after: RowData }
  | { table: string; kind: 'truncate' };

/** One committed transaction (or an event outside any), with the position just past it. */
export interface Committed {
  position: BinlogPosition;
  /** The commit's time on the source (the binlog records whole seconds). */
  timestampMs: number;
  changes: RowChange[];
  /** Other statements on watched tables (ALTER, RENAME, DROP …): reported, not applied. */
  ddl: string[];
}

export interface ReaderOptions {
  conn: ResolvedConnection;
  /** Derived from the migration: one id per stream, so a new reader of the same stream replaces an old one's dump session. */
  serverId: number;
  from: BinlogPosition;
  /** database → tables whose row events matter. */
  tables: Map<string, Set<string>>;
}

/** Row changes held before the dump connection is paused until the stream catches up. */
const HIGH_WATER_ROWS = 50_000;
/** Behind the end of the binlog, yet no event for this long: the dump connection is dead (the client never reconnects). */
const STALL_MS = 15_000;

const ROW_EVENTS = new Set(['writerows', 'updaterows', 'deleterows']);

/**
 * The binlog from a position, through @vlasky/zongji (docs/cdc.md: the choice of client), as whole
 * transactions in commit order. Positions come from the client's resume pair, which it keeps at
 * transaction boundaries (never between a table map and its rows). The client does not reconnect:
 * a lost connection fails the reader, and the stream resumes from its saved position.
 */
export class BinlogReader {
  private readonly queue: Committed[] = [];
  private pending: RowChange[] = [];
  private ddl: string[] = [];
  private queuedRows = 0;
  private failure?: Error;
  private lastEventAt = Date.now();
  /** The server has sent the dump's first event: it accepted the position (a purged one fails with error 1236 instead). */
  private started = false;
  private wake?: () => void;
  private paused = false;
  private readonly zongji: ZongJi;
  private position: BinlogPosition;

  constructor(private readonly o: ReaderOptions) {
    this.position = o.from;
    this.zongji = new ZongJi({ uri: o.conn.url, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    this.zongji.on('binlog', (e: BinlogEvent) => this.onEvent(e));
    this.zongji.on('error', (err: Error) => this.fail(err));
    const includeSchema = Object.fromEntries([...o.tables].map(([db, tables]) => [db, [...tables]]));
    this.zongji.start({ serverId: o.serverId, filename: o.from.file, position: o.from.offset, includeSchema });
  }

  /**
   * Whole transactions after the last one taken: at least one, up to about maxRows row changes,
   * or none once the reader has passed `end` (caught up). Waits for events while behind `end`.
   */
  async take(maxRows: number, end: BinlogPosition): Promise<{ batch: Committed[]; caughtUp: boolean }> {
    const batch: Committed[] = [];
    let rows = 0;
    for (;;) {
      while (this.queue.length && rows < maxRows) {
        const next = this.queue.shift()!;
        this.queuedRows -= next.changes.length;
        rows += next.changes.length;
        batch.push(next);
        this.position = next.position;
      }
      if (this.paused && this.queuedRows < HIGH_WATER_ROWS / 2) {
        this.paused = false;
        this.zongji.connection?.resume();
      }
      if (this.failure) throw this.failure;
      const caughtUp = this.started && comparePositions(this.position, end) >= 0;
      if (caughtUp || rows >= maxRows) return { batch, caughtUp };
      if (Date.now() - this.lastEventAt > STALL_MS) {
        throw new Error(`binlog dump connection delivered nothing for ${STALL_MS} ms while at ${formatPosition(this.position)}, behind ${formatPosition(end)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.zongji.once('stopped', () => resolve());
      this.zongji.stop();
      setTimeout(resolve, 2000).unref();
    });
  }

  private onEvent(e: BinlogEvent): void {
    this.lastEventAt = Date.now();
    this.started = true;
    const name = e.getEventName();
    if (name === 'tablemap') return;
    if (ROW_EVENTS.has(name)) return this.rows(e as WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent);
    if (name === 'query') this.statement(e as QueryEvent);
    // Every other event ends what came before it: a commit (xid, COMMIT), a statement, a rotation.
    const { filename, position } = this.zongji.options as { filename?: string; position?: number };
    if (!filename || !position) return;
    const last = this.queue.at(-1);
    const at = { file: filename, offset: position };
    if (last && !last.changes.length && !last.ddl.length && !this.pending.length && !this.ddl.length) last.position = at;
    else this.queue.push({ position: at, timestampMs: e.timestamp, changes: this.pending, ddl: this.ddl });
    this.queuedRows += this.pending.length;
    this.pending = [];
    this.ddl = [];
    if (this.queuedRows > HIGH_WATER_ROWS && !this.paused) {
      this.paused = true;
      this.zongji.connection?.pause();
    }
    this.wake?.();
  }

  private rows(e: WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent): void {
    const map = e.tableMap[e.tableId];
    if (!map || !this.o.tables.get(map.parentSchema)?.has(map.tableName)) return;
    const table = `${map.parentSchema}.${map.tableName}`;
    const name = e.getEventName();
    if (name === 'updaterows') for (const r of (e as UpdateRowsEvent).rows) this.pending.push({ table, kind: 'update', before: r.before, after: r.after });
    else for (const row of (e as WriteRowsEvent).rows) this.pending.push({ table, kind: name === 'writerows' ? 'insert' : 'delete', row });
  }

  /** TRUNCATE names no rows: the entity is resynchronised. Other DDL on a watched table is reported. */
  private statement(e: QueryEvent): void {
    const sql = e.query.trim();
    if (/^(begin|commit|rollback|xa |savepoint)/i.test(sql)) return;
    for (const [db, tables] of this.o.tables) {
      for (const t of tables) {
        const named = new RegExp(`(^|[\\s\`.])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\`|\\s|$|\\()`, 'i');
        if (!named.test(sql) || (e.schema !== db && !sql.includes(db))) continue;
        if (/^truncate\b/i.test(sql)) this.pending.push({ table: `${db}.${t}`, kind: 'truncate' });
        else this.ddl.push(`${db}.${t}: ${sql.slice(0, 200)}`);
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }
}
