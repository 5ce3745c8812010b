/**
 * A sweep's folder on disk:
 *
 *   sweep.json     the manifest: spec hash, bitcycle version, shard, axes, objectives, point count
 *   points.jsonl   every point this run (or shard) owes: key, workload, index, point
 *   results.jsonl  one line per finished point, appended as points finish (a killed sweep keeps every
 *                  complete line; a torn last line is cut off on resume), sorted by (workload, index)
 *                  when the sweep completes, so equal sweeps give equal bytes
 *
 * Files are read in chunks, line by line, so a results file never has to fit in memory.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FormatAssignment } from '../config/format-flags.js';
import { InputError, showValue } from '../units/errors.js';
import { canonicalJson } from '../units/json.js';
import type { PointMetrics } from './metrics.js';
import type { Point } from './space.js';

export const RESULTS_FILE = 'results.jsonl';
export const POINTS_FILE = 'points.jsonl';
export const MANIFEST_FILE = 'sweep.json';
export const MANIFEST_FORMAT = 'bitcycle-sweep-run/1';

export interface PointRef {
  readonly key: string;
  readonly workload: string;
  readonly index: number;
  readonly point: Point;
}

export type ResultLine = PointRef &
  (
    | { readonly status: 'ok'; readonly formats: FormatAssignment; readonly metrics: PointMetrics }
    | { readonly status: 'failed'; readonly reason: string }
  );

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One line of JSON (canonical numbers, keys in the order built), newline-terminated. */
export function jsonLine(value: unknown): string {
  return canonicalJson(value, 0);
}

export function resultLine(r: ResultLine): string {
  const ref = { key: r.key, workload: r.workload, index: r.index, point: r.point };
  return jsonLine(
    r.status === 'ok'
      ? { ...ref, status: 'ok', formats: r.formats, metrics: r.metrics }
      : { ...ref, status: 'failed', reason: r.reason },
  );
}

export function pointLine(p: PointRef): string {
  return jsonLine({ key: p.key, workload: p.workload, index: p.index, point: p.point });
}

const CHUNK_BYTES = 1 << 20;

/**
 * Call `onLine` for every newline-terminated line of a file (text without the newline, its byte
 * offset and byte length including the newline). Returns the bytes covered by complete lines: a
 * file cut mid-line (a killed writer) has a torn tail after them.
 */
export function scanLines(
  file: string,
  onLine: (text: string, offset: number, length: number, lineNo: number) => void,
): { completeBytes: number; totalBytes: number } {
  if (!existsSync(file)) return { completeBytes: 0, totalBytes: 0 };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let offset = 0; // file offset of carry[0]
    let lineNo = 0;
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, pos);
      if (n === 0) break;
      pos += n;
      let data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        lineNo++;
        onLine(data.toString('utf8', start, nl), offset + start, nl + 1 - start, lineNo);
        start = nl + 1;
      }
      offset += start;
      data = data.subarray(start);
      carry = Buffer.from(data);
    }
    return { completeBytes: offset, totalBytes: pos };
  } finally {
    closeSync(fd);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parse and check one results line; a damaged line is an InputError naming file and line. */
export function parseResultLine(text: string, file: string, lineNo: number): ResultLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (
    !isRecord(v) ||
    typeof v.key !== 'string' ||
    typeof v.workload !== 'string' ||
    typeof v.index !== 'number' ||
    !isRecord(v.point) ||
    (v.status === 'ok'
      ? !isRecord(v.metrics) || !isRecord(v.formats)
      : v.status !== 'failed' || typeof v.reason !== 'string')
  ) {
    throw new InputError([
      {
        file,
        path: `line ${lineNo}`,
        value: showValue(text),
        expected: 'a sweep result line (key, workload, index, point, status and metrics or reason)',
      },
    ]);
  }
  return v as unknown as ResultLine;
}

/**
 * Read a results file for resuming: every complete line is checked, a torn last line is cut off
 * (the file is truncated to its complete lines). `onResult` sees each result once.
 */
export function readResultsForResume(file: string, onResult: (r: ResultLine) => void): number {
  let count = 0;
  const { completeBytes, totalBytes } = scanLines(file, (text, _o, _l, lineNo) => {
    onResult(parseResultLine(text, file, lineNo));
    count++;
  });
  if (completeBytes < totalBytes) {
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, completeBytes);
    } finally {
      closeSync(fd);
    }
  }
  return count;
}

/** An append-only writer of result lines: each line is one write, so a kill tears at most one. */
export class ResultAppender {
  private readonly fd: number;

  constructor(file: string) {
    this.fd = openSync(file, 'a');
  }

  append(line: string): void {
    writeSync(this.fd, line);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A buffered writer to a temporary sibling, renamed over the target on commit. */
export class AtomicLineWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly file: string) {
    this.tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
    this.fd = openSync(this.tmp, 'w');
  }

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    if (this.chunks.length > 0) writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

interface Located {
  readonly workloadOrder: number;
  readonly index: number;
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Rewrite `file` with its lines in (workload order, index) order, keeping only lines whose key is
 * wanted (all when `wanted` is undefined) and the first line of a key seen twice. Memory: a few
 * numbers per line, never the lines themselves. Returns how many lines were kept and dropped.
 */
export function sortLinesFile(
  file: string,
  workloadOrder: readonly string[],
  wanted?: (key: string) => boolean,
): { kept: number; dropped: number } {
  const entries: Located[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  scanLines(file, (text, offset, length, lineNo) => {
    const r = parseResultLine(text, file, lineNo);
    const order = workloadOrder.indexOf(r.workload);
    if (seen.has(r.key) || order < 0 || (wanted !== undefined && !wanted(r.key))) {
      dropped++;
      return;
    }
    seen.add(r.key);
    entries.push({ workloadOrder: order, index: r.index, key: r.key, offset, length });
  });
  entries.sort((a, b) => a.index - b.index || a.workloadOrder - b.workloadOrder);
  copyLines(file, file, entries);
  return { kept: entries.length, dropped };
}

/** Write byte ranges (each of its own file, or of `from`) to `to`, in this order, atomically. */
export function copyLines(
  from: string,
  to: string,
  ranges: readonly { readonly offset: number; readonly length: number; readonly file?: string }[],
): void {
  const out = new AtomicLineWriter(to);
  const fds = new Map<string, number>();
  try {
    for (const r of ranges) {
      const file = r.file ?? from;
      let fd = fds.get(file);
      if (fd === undefined) {
        fd = openSync(file, 'r');
        fds.set(file, fd);
      }
      const buf = Buffer.allocUnsafe(r.length);
      readSync(fd, buf, 0, r.length, r.offset);
      out.write(buf.toString('utf8'));
    }
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}

/** Create the output folder; a path that is a file is bad input (`--out`), not a crash. */
export function ensureOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InputError([
      { path: '--out', value: JSON.stringify(dir), expected: 'a folder (this is a file)' },
    ]);
  mkdirSync(dir, { recursive: true });
}

/** Parse and check one points.jsonl line. */
export function parsePointLine(text: string, file: string, lineNo: number): PointRef {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (
    !isRecord(v) ||
    typeof v.key !== 'string' ||
    typeof v.workload !== 'string' ||
    typeof v.index !== 'number' ||
    !isRecord(v.point)
  )
    throw new InputError([
      {
        file,
        path: `line ${lineNo}`,
        value: showValue(text),
        expected: 'a sweep point line (key, workload, index, point)',
      },
    ]);
  return v as unknown as PointRef;
}

export function fileBytes(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}
