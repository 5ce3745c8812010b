/**
 * A CSV trace file written in bounded memory: decimal integers are formatted straight into a byte
 * buffer (no strings), and full buffers go to the file through a FileHandle while the next one
 * fills (two buffers per open file, never more). Backpressure: a flush first awaits the write still
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
const ZERO = 0x30;

/** The four ASCII digits of 0000…9999. */
const DIGITS4 = new Uint8Array(40000);
for (let i = 0; i < 10000; i++) {
  const s = String(i).padStart(4, '0');
  for (let j = 0; j < 4; j++) DIGITS4[4 * i + j] = s.charCodeAt(j);
}

/** 0 ≤ x < 10000 without leading zeros. */
function putSmall(b: Uint8Array, p: number, x: number): number {
  const o = x << 2;
  if (x >= 1000) {
    b[p] = DIGITS4[o]!;
    b[p + 1] = DIGITS4[o + 1]!;
    b[p + 2] = DIGITS4[o + 2]!;
    b[p + 3] = DIGITS4[o + 3]!;
    return p + 4;
  }
  if (x >= 100) {
    b[p] = DIGITS4[o + 1]!;
    b[p + 1] = DIGITS4[o + 2]!;
    b[p + 2] = DIGITS4[o + 3]!;
    return p + 3;
  }
  if (x >= 10) {
    b[p] = DIGITS4[o + 2]!;
    b[p + 1] = DIGITS4[o + 3]!;
    return p + 2;
  }
  b[p] = ZERO + x;
  return p + 1;
}

/** 0 ≤ x < 10000 as exactly four digits. */
function putFour(b: Uint8Array, p: number, x: number): number {
  const o = x << 2;
  b[p] = DIGITS4[o]!;
  b[p + 1] = DIGITS4[o + 1]!;
  b[p + 2] = DIGITS4[o + 2]!;
  b[p + 3] = DIGITS4[o + 3]!;
  return p + 4;
}

/**
 * Write the decimal form of a safe integer at b[p…] and return the end. Four digits per table
 * lookup; values below 2^31 (addresses, cycles) take an int32 path (one constant division, which
 * the JIT turns into a multiplication, per four digits).
 */
export function putInt(b: Uint8Array, p: number, value: number): number {
  let v = value;
  if (v < 0) {
    b[p++] = MINUS;
    v = -v;
  }
  if (v < 2147483648) {
    const x = v | 0;
    if (x < 10000) return putSmall(b, p, x);
    if (x < 100000000) {
      const hi = (x / 10000) | 0;
      return putFour(b, putSmall(b, p, hi), x - hi * 10000);
    }
    const top = (x / 100000000) | 0;
    const rest = x - top * 100000000;
    const hi = (rest / 10000) | 0;
    return putFour(b, putFour(b, putSmall(b, p, top), hi), rest - hi * 10000);
  }
  const top = Math.floor(v / 100000000);
  const rest = v - top * 100000000;
  const q = top < 10000 ? putSmall(b, p, top) : putInt(b, p, top);
  const hi = Math.floor(rest / 10000);
  return putFour(b, putFour(b, q, hi), rest - hi * 10000);
}

export class TraceFile {
  private buf: Uint8Array;
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
    this.buf = new Uint8Array(capacity);
    this.spare = new Uint8Array(capacity);
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
    let p = putInt(b, this.pos, stamp);
    for (let i = 0; i < values.length; i++) {
      b[p++] = COMMA;
      p = putInt(b, p, values[i]!);
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
      p = putInt(b, p, cycle);
      this.lineCycle = cycle;
      this.lineOpen = true;
    }
    b[p++] = COMMA;
    p = putInt(b, p, value);
    this.pos = p;
    return p >= this.limit;
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
