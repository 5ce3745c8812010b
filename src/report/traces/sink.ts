/**
 * A trace file (CSV, VCD, JSON) written in bounded memory: decimal integers are formatted straight
 * into a byte buffer (no strings), and full buffers go to the file through a FileHandle while the
 * next one fills (two buffers per open file, never more). Backpressure: a flush first awaits the write still
 * in flight, so a producer faster than the disk waits instead of queueing buffers.
 *
 * Producers write whole lines synchronously and call `flush()` when `full` says so (between lines,
 * or between values for unbounded lines): `full` turns true `reserve` bytes before the end of the
 * buffer, so a line of at most `reserve` bytes always fits.
 *
 * The file is written as `<path>.partial` and renamed to `<path>` by `close()`; `abort()` removes
 * it, so a failed run never leaves a truncated trace under the final name.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/** Longest decimal integer we format: "-" + 16 digits (|v| ≤ 2^53), plus one separator. */
export const MAX_INT_CHARS = 18;

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const MINUS = 0x2d;

/** The four ASCII digits of 0000…9999 as a little-endian word (first digit in the low byte). */
const DIGITS4 = new Uint32Array(10000);
/** Number of digits of 0…9999. */
const LENGTH4 = new Uint8Array(10000);
for (let i = 0; i < 10000; i++) {
  const s = String(i).padStart(4, '0');
  DIGITS4[i] = (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
  LENGTH4[i] = String(i).length;
}

/** Bytes a number may write past its end (a 4-byte store for a shorter leading group). */
export const OVERRUN = 3;

/** 0 ≤ x < 10000 without leading zeros (stores 4 bytes; see OVERRUN). */
function putSmall(d: DataView, p: number, x: number): number {
  const n = LENGTH4[x]!;
  d.setUint32(p, DIGITS4[x]! >>> ((4 - n) << 3), true);
  return p + n;
}

/**
 * Write the decimal form of a safe integer at byte p of `d` and return the end; up to OVERRUN bytes
 * after the end may be overwritten. Four digits per table lookup and 4-byte store; values in
 * (−2^31, 2^31) (addresses, cycles) take a small int32 path that the JIT inlines (a constant
 * division, turned into a multiplication, per four digits); larger ones go to `putBig`.
 */
export function putInt(d: DataView, p: number, value: number): number {
  let q = p;
  let v = value;
  if (v < 0) {
    d.setUint8(q++, MINUS);
    v = -v;
  }
  if (v >= 100000000) return putBig(d, q, v);
  const x = v | 0;
  if (x < 10000) return putSmall(d, q, x);
  const hi = (x / 10000) | 0;
  q = putSmall(d, q, hi);
  d.setUint32(q, DIGITS4[x - hi * 10000]!, true);
  return q + 4;
}

/** v ≥ 10^8: the leading part, then two groups of four digits. */
function putBig(d: DataView, p: number, v: number): number {
  const top = Math.floor(v / 100000000);
  const rest = v - top * 100000000;
  const q = top < 10000 ? putSmall(d, p, top) : putInt(d, p, top);
  const hi = Math.floor(rest / 10000);
  d.setUint32(q, DIGITS4[hi]!, true);
  d.setUint32(q + 4, DIGITS4[rest - hi * 10000]!, true);
  return q + 8;
}

export class TraceFile {
  private buf: Uint8Array;
  private view: DataView;
  private spare: Uint8Array;
  private pos = 0;
  private readonly limit: number;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown = undefined;
  private closed = false;
  /** Bytes written so far (handed to the file or still buffered). */
  private flushed = 0;
  /** Lines written. */
  lines = 0;
  /** Open `cycle,value,…` line of `cycleValue()`, and its cycle. */
  private lineOpen = false;
  private lineCycle = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    readonly path: string,
    capacity: number,
    reserve: number,
  ) {
    // OVERRUN spare bytes at the end: the last number of a line may store a few bytes past it
    this.buf = new Uint8Array(capacity + OVERRUN);
    this.view = new DataView(this.buf.buffer);
    this.spare = new Uint8Array(capacity + OVERRUN);
    this.limit = capacity - reserve;
  }

  /**
   * Open `<path>.partial` for writing. `bufferBytes` is the size of each of the two buffers; it is
   * raised to 2·reserve when smaller, so that every line of at most `reserve` bytes fits.
   */
  static async create(path: string, bufferBytes: number, reserve: number): Promise<TraceFile> {
    const tmpPath = `${path}.partial`;
    const fh = await open(tmpPath, 'w');
    const capacity = Math.max(Math.floor(bufferBytes), 2 * reserve, 64);
    return new TraceFile(fh, tmpPath, path, capacity, reserve);
  }

  /** True when the buffer should be flushed before the next line (or value of a long line). */
  get full(): boolean {
    return this.pos >= this.limit;
  }

  /** Bytes of the file so far. */
  get bytes(): number {
    return this.flushed + this.pos;
  }

  /** Append a whole line `stamp,v0,v1,…` (at most `reserve` bytes: callers size it for `values`). */
  line(stamp: number, values: Float64Array): void {
    const b = this.buf;
    const d = this.view;
    let p = putInt(d, this.pos, stamp);
    for (let i = 0; i < values.length; i++) {
      b[p++] = COMMA;
      p = putInt(d, p, values[i]!);
    }
    b[p++] = NEWLINE;
    this.pos = p;
    this.lines++;
  }

  /**
   * Append `value` to the line of `cycle` (DRAM traces): continues the open line when it has the
   * same cycle, otherwise ends it and starts `cycle,value`. Cycles must not decrease. Returns true
   * when the buffer should be flushed (a line may be flushed in parts).
   */
  cycleValue(cycle: number, value: number): boolean {
    const b = this.buf;
    let p = this.pos;
    if (!this.lineOpen || cycle !== this.lineCycle) {
      if (this.lineOpen) {
        if (cycle < this.lineCycle) throw new Error(`trace: cycle ${cycle} after cycle ${this.lineCycle} in ${this.path}`);
        b[p++] = NEWLINE;
        this.lines++;
      }
      p = putInt(this.view, p, cycle);
      this.lineCycle = cycle;
      this.lineOpen = true;
    }
    b[p++] = COMMA;
    p = putInt(this.view, p, value);
    this.pos = p;
    return p >= this.limit;
  }

  /**
   * Append ASCII text (VCD and JSON traces). Callers keep a record within `reserve` bytes and escape
   * anything outside ASCII; a record that would overrun the buffer throws instead of being cut.
   */
  ascii(s: string): void {
    const b = this.buf;
    let p = this.pos;
    if (p + s.length > b.length - OVERRUN) {
      throw new Error(`trace: a record of ${s.length} bytes does not fit the write buffer of ${this.path}`);
    }
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Append a safe integer in decimal (at most MAX_INT_CHARS bytes). */
  int(value: number): void {
    this.pos = putInt(this.view, this.pos, value);
  }

  /** Append the binary digits of an integer in [0, 2^32) (at most 32 bytes; VCD vector values). */
  bin(value: number): void {
    const b = this.buf;
    let p = this.pos;
    const v = value >>> 0;
    if (v !== value) throw new Error(`trace: ${value} is not a 32-bit unsigned value`);
    const n = v === 0 ? 1 : 32 - Math.clz32(v);
    for (let i = n - 1; i >= 0; i--) b[p++] = 0x30 + ((v >>> i) & 1);
    this.pos = p;
  }

  /** Count a line written with `ascii()` (for the statistics). */
  countLine(): void {
    this.lines++;
  }

  /** End the open `cycleValue()` line, if any. */
  endCycleLine(): void {
    if (!this.lineOpen) return;
    this.buf[this.pos++] = NEWLINE;
    this.lines++;
    this.lineOpen = false;
  }

  /** Hand the filled buffer to the file (after the previous write has finished) and go on. */
  async flush(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
    if (this.pos === 0) return;
    const full = this.buf;
    const length = this.pos;
    this.buf = this.spare;
    this.view = new DataView(this.buf.buffer);
    this.spare = full;
    this.flushed += length;
    this.pos = 0;
    this.inFlight = writeAll(this.fh, full, length).catch((e: unknown) => {
      this.failure = e;
    });
  }

  /** Write what is left, close, and move the file to its final name. */
  async close(): Promise<void> {
    await this.flush();
    await this.inFlight;
    this.throwIfFailed();
    this.closed = true;
    await this.fh.close();
    await rename(this.tmpPath, this.path);
  }

  /** After a failure: close and delete the partial file (errors here are secondary; ignored). */
  async abort(): Promise<void> {
    await this.inFlight;
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.tmpPath, { force: true }).catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      const e = this.failure;
      throw e instanceof Error ? e : new Error(`writing ${this.path} failed`, { cause: e });
    }
  }
}

async function writeAll(fh: FileHandle, buf: Uint8Array, length: number): Promise<void> {
  let off = 0;
  while (off < length) {
    const { bytesWritten } = await fh.write(buf, off, length - off);
    if (bytesWritten <= 0) throw new Error('short write to a trace file');
    off += bytesWritten;
  }
}
