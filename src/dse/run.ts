/**
 * Run a sweep: plan the points (grid / random / evolutionary), skip every point whose key already
 * has a result in the folder (resume), run the rest on a piscina pool (or inline), append each
 * result as it finishes, then sort the results file. Deterministic: the finished folder is the same
 * bytes for any number of workers, and N shards merged equal one unsharded run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { InputError } from '../units/errors.js';
import { Rng } from '../units/index.js';
import { canonicalJson } from '../units/json.js';
import { packageRoot, packageVersion } from '../units/paths.js';
import { metricValue } from './metrics.js';
import { orient, type Costs } from './pareto.js';
import { ConstraintError, pointAt, pointConfig, spaceSize, type Point } from './space.js';
import type { SweepSpec, SweepWorkload } from './spec.js';
import {
  AtomicLineWriter,
  ensureOutDir,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  POINTS_FILE,
  RESULTS_FILE,
  ResultAppender,
  pointLine,
  readResultsForResume,
  resultLine,
  sha256Hex,
  sortLinesFile,
  type PointRef,
  type ResultLine,
} from './store.js';
import { offspring, plannedIndices, sampleIndices, selectSurvivors } from './strategy.js';
import { evaluatePoint, type PointOutcome, type PointTask } from './worker.js';

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  /** Of `done`, how many were already in the folder (resumed, not rerun). */
  readonly resumed: number;
}

export interface SweepOptions {
  readonly outDir: string;
  /** 0 runs points inline on this thread; ≥ 1 uses that many worker threads. */
  readonly workers: number;
  readonly shard?: Shard;
  readonly onProgress?: (p: Progress) => void;
}

export interface SweepOutcome {
  readonly outDir: string;
  /** Points (× workloads) this run owed. */
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  /** Found finished in the folder and not rerun. */
  readonly resumed: number;
  /** Run now. */
  readonly ran: number;
  /** Lines of the results file dropped at the end (other spec versions, duplicates). */
  readonly dropped: number;
}

/** Parse `--shard i/N` (0 ≤ i < N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!(count >= 1 && index >= 0 && index < count))
    throw new InputError([
      { path: '--shard', value: JSON.stringify(text), expected: 'i/N with 0 ≤ i < N (e.g. 0/4 … 3/4)' },
    ]);
  return { index, count };
}

/** The content key of one point on one workload: what decides its result, and the bitcycle version. */
export function pointKey(spec: SweepSpec, workload: SweepWorkload, point: Point): string {
  const cfg = pointConfig(spec, point);
  return sha256Hex(
    canonicalJson(
      {
        bitcycle: packageVersion(),
        hw: cfg.hwDocument,
        format: cfg.format ?? null,
        workload: {
          workload:
            workload.contentSha256 === undefined ? workload.workload : `sha256:${workload.contentSha256}`,
          params: workload.params,
          batch: workload.batch ?? null,
        },
        numerics:
          spec.numerics === undefined
            ? null
            : {
                method: spec.numerics.method,
                evalCount: spec.numerics.evalCount ?? null,
                data: spec.numerics.contentSha256,
              },
      },
      0,
    ),
  );
}

export function refOf(spec: SweepSpec, w: SweepWorkload, index: number): PointRef {
  const point = pointAt(spec, index);
  return { key: pointKey(spec, w, point), workload: w.name, index, point };
}

function taskOf(spec: SweepSpec, ref: PointRef): PointTask {
  const cfg = pointConfig(spec, ref.point);
  const workload = spec.workloads.find((w) => w.name === ref.workload)!;
  return {
    hwLabel: spec.hw,
    hwDocument: cfg.hwDocument,
    ...(cfg.format !== undefined ? { format: cfg.format } : {}),
    workload,
    ...(spec.numerics !== undefined ? { numerics: spec.numerics } : {}),
  };
}

/** The manifest of a sweep folder (deterministic: no paths, no clock). */
export function manifestJson(spec: SweepSpec, shard: Shard | undefined, points: number | null): string {
  return canonicalJson({
    format: MANIFEST_FORMAT,
    name: spec.name,
    bitcycle: packageVersion(),
    specHash: spec.hash,
    target: spec.targetId,
    hw: spec.hw,
    strategy: spec.strategy,
    shard: shard === undefined || shard.count === 1 ? null : shard,
    workloads: spec.workloads.map((w) => w.name),
    axes: spec.axes.map((a) => ({ name: a.name, fields: a.fields, values: a.values })),
    objectives: spec.objectives.map((o) => ({ metric: o.metric.name, goal: o.goal })),
    points,
  });
}

/** Refuse a folder that holds another sweep (its results would be mixed with this one's). */
function checkFolder(spec: SweepSpec, outDir: string, shard: Shard | undefined): void {
  const file = join(outDir, MANIFEST_FILE);
  if (!existsSync(file)) return;
  let old: { specHash?: unknown; shard?: unknown };
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as { specHash?: unknown; shard?: unknown };
  } catch {
    old = {};
  }
  const want = shard === undefined || shard.count === 1 ? null : shard;
  if (old.specHash !== spec.hash || JSON.stringify(old.shard ?? null) !== JSON.stringify(want))
    throw new InputError([
      {
        file,
        path: 'specHash / shard',
        value: `${String(old.specHash).slice(0, 12)}… ${JSON.stringify(old.shard ?? null)}`,
        expected: `this sweep (${spec.hash.slice(0, 12)}… ${JSON.stringify(want)}): the folder holds another sweep or shard; give another --out or delete it`,
      },
    ]);
}

/** Runs point tasks with a bounded number in flight, calling `done` as each finishes. */
class PointRunner {
  private readonly pool: Piscina | undefined;

  constructor(workers: number) {
    this.pool =
      workers === 0
        ? undefined
        : new Piscina({
            filename: join(packageRoot(), 'dist', 'src', 'dse', 'worker.js'),
            minThreads: workers,
            maxThreads: workers,
            idleTimeout: 1000,
          });
  }

  private exec(task: PointTask): Promise<PointOutcome> {
    if (this.pool === undefined) return evaluatePoint(task);
    return (this.pool.run(task) as Promise<PointOutcome>).catch((e: unknown) => ({
      status: 'failed' as const,
      reason: `internal error: worker failed: ${e instanceof Error ? e.message : String(e)}`,
    }));
  }

  async runAll<T>(
    items: Iterable<T>,
    taskOf: (item: T) => PointTask,
    done: (item: T, out: PointOutcome) => void,
  ): Promise<void> {
    const window = this.pool === undefined ? 1 : this.pool.options.maxThreads * 2;
    const inflight = new Set<Promise<void>>();
    let failure: Error | undefined;
    for (const item of items) {
      if (failure !== undefined) break;
      const p: Promise<void> = this.exec(taskOf(item))
        .then((out) => {
          done(item, out);
        })
        .catch((e: unknown) => {
          failure ??= e instanceof Error ? e : new Error(`point failed: ${JSON.stringify(e)}`);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= window) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

function toInputError(spec: SweepSpec, e: unknown): unknown {
  if (!(e instanceof ConstraintError)) return e;
  const i = spec.constraints.findIndex((c) => c.text === e.constraint);
  const d = spec.derived.find((x) => x.expr.text === e.constraint);
  return new InputError([
    {
      file: spec.file,
      path: i >= 0 ? `constraints[${i}]` : d !== undefined ? `derived.${d.name}` : 'constraints',
      value: JSON.stringify(e.constraint),
      expected: `an expression that gives true/false on every point (${e.message})`,
    },
  ]);
}

/** Run (or resume) a sweep into `opts.outDir`. */
export async function runSweep(spec: SweepSpec, opts: SweepOptions): Promise<SweepOutcome> {
  try {
    return await runSweepInner(spec, opts);
  } catch (e) {
    throw toInputError(spec, e);
  }
}

async function runSweepInner(spec: SweepSpec, opts: SweepOptions): Promise<SweepOutcome> {
  const shard = opts.shard;
  if (shard !== undefined && shard.count > 1 && spec.strategy.kind === 'evolutionary')
    throw new InputError([
      {
        path: '--shard',
        value: `${shard.index}/${shard.count}`,
        expected: 'a grid or random sweep (an evolutionary search needs each generation before the next)',
      },
    ]);
  ensureOutDir(opts.outDir);
  checkFolder(spec, opts.outDir, shard);
  const resultsFile = join(opts.outDir, RESULTS_FILE);
  // grid/random need only the status of finished points; an evolutionary search re-reads their metrics
  const done = new Map<string, ResultLine['status']>();
  const finished = new Map<string, ResultLine>();
  const keepLines = spec.strategy.kind === 'evolutionary';
  readResultsForResume(resultsFile, (r) => {
    done.set(r.key, r.status);
    if (keepLines) finished.set(r.key, r);
  });
  const counts = { total: 0, ok: 0, failed: 0, resumed: 0, ran: 0 };
  const appender = new ResultAppender(resultsFile);
  const runner = new PointRunner(opts.workers);
  const owed = new Set<string>();
  try {
    const record = (ref: PointRef, out: PointOutcome): ResultLine => {
      const line: ResultLine =
        out.status === 'ok'
          ? { ...ref, status: 'ok', formats: out.formats, metrics: out.metrics }
          : { ...ref, status: 'failed', reason: out.reason };
      appender.append(resultLine(line));
      return line;
    };
    if (spec.strategy.kind === 'evolutionary') {
      writeManifest(spec, shard, opts.outDir, null);
      const indices = await runEvolutionary(spec, runner, finished, record, counts, owed, opts.onProgress);
      writeManifest(spec, shard, opts.outDir, writePoints(spec, opts.outDir, indices));
    } else {
      const points = planGridOrRandom(spec, shard, opts.outDir, (ref) => {
        owed.add(ref.key);
        const old = done.get(ref.key);
        if (old !== undefined) {
          counts.resumed++;
          if (old === 'ok') counts.ok++;
          else counts.failed++;
        }
      });
      counts.total = points.count;
      const progress = (): void =>
        opts.onProgress?.({
          done: counts.resumed + counts.ran,
          total: counts.total,
          resumed: counts.resumed,
        });
      progress();
      const pending = (function* () {
        for (const ref of points.refs()) if (!done.has(ref.key)) yield ref;
      })();
      await runner.runAll(
        pending,
        (ref) => taskOf(spec, ref),
        (ref, out) => {
          // a grid/random run never looks a finished point up again: keep nothing per point
          record(ref, out);
          counts.ran++;
          if (out.status === 'ok') counts.ok++;
          else counts.failed++;
          progress();
        },
      );
    }
  } finally {
    appender.close();
    await runner.close();
  }
  const sorted = sortLinesFile(
    resultsFile,
    spec.workloads.map((w) => w.name),
    (key) => owed.has(key),
  );
  return { outDir: opts.outDir, ...counts, dropped: sorted.dropped };
}

/**
 * The grid/random points this run (or shard) owes: writes points.jsonl and sweep.json, showing each
 * point to `onRef` on the way; `refs` walks them again (lazily: the space is never listed).
 */
function planGridOrRandom(
  spec: SweepSpec,
  shard: Shard | undefined,
  outDir: string,
  onRef: (ref: PointRef) => void,
): { count: number; refs: () => Generator<PointRef> } {
  // a random sample is drawn once, not on every walk
  const indices = spec.strategy.kind === 'random' ? [...plannedIndices(spec)] : undefined;
  const refs = function* (): Generator<PointRef> {
    let ordinal = 0;
    for (const index of indices ?? plannedIndices(spec)) {
      for (const w of spec.workloads) {
        if (shard === undefined || ordinal % shard.count === shard.index) yield refOf(spec, w, index);
        ordinal++;
      }
    }
  };
  const writer = new AtomicLineWriter(join(outDir, POINTS_FILE));
  let count = 0;
  try {
    for (const ref of refs()) {
      writer.write(pointLine(ref));
      onRef(ref);
      count++;
    }
    writer.commit();
  } catch (e) {
    writer.abort();
    throw e;
  }
  writeManifest(spec, shard, outDir, count);
  return { count, refs };
}

function writeManifest(
  spec: SweepSpec,
  shard: Shard | undefined,
  outDir: string,
  points: number | null,
): void {
  const w = new AtomicLineWriter(join(outDir, MANIFEST_FILE));
  w.write(manifestJson(spec, shard, points));
  w.commit();
}

/** Oriented costs of one index over every workload (failed or unreported: +∞). */
function costsOf(spec: SweepSpec, index: number, finished: ReadonlyMap<string, ResultLine>): Costs {
  const goals = spec.objectives.map((o) => o.goal);
  const out: number[] = [];
  for (const w of spec.workloads) {
    const r = finished.get(refOf(spec, w, index).key);
    const values = spec.objectives.map((o) =>
      r?.status === 'ok' ? (metricValue(r.metrics, o.metric) ?? NaN) : NaN,
    );
    out.push(...orient(values, goals).map((v) => (Number.isNaN(v) ? Infinity : v)));
  }
  return out;
}

async function runEvolutionary(
  spec: SweepSpec,
  runner: PointRunner,
  finished: Map<string, ResultLine>,
  record: (ref: PointRef, out: PointOutcome) => ResultLine,
  counts: { total: number; ok: number; failed: number; resumed: number; ran: number },
  owed: Set<string>,
  onProgress: ((p: Progress) => void) | undefined,
): Promise<number[]> {
  if (spec.strategy.kind !== 'evolutionary') return [];
  const { population, generations, seed } = spec.strategy;
  const rng = new Rng(seed);
  const evaluated = new Set<number>();
  const budget = Math.min(spaceSize(spec), population * (generations + 1)) * spec.workloads.length;
  const progress = (): void =>
    onProgress?.({ done: counts.resumed + counts.ran, total: budget, resumed: counts.resumed });
  const evaluate = async (indices: readonly number[]): Promise<void> => {
    const refs: PointRef[] = [];
    for (const index of indices) {
      if (evaluated.has(index)) continue;
      evaluated.add(index);
      for (const w of spec.workloads) {
        const ref = refOf(spec, w, index);
        owed.add(ref.key);
        counts.total++;
        const old = finished.get(ref.key);
        if (old === undefined) refs.push(ref);
        else {
          counts.resumed++;
          if (old.status === 'ok') counts.ok++;
          else counts.failed++;
        }
      }
    }
    progress();
    await runner.runAll(
      refs,
      (ref) => taskOf(spec, ref),
      (ref, out) => {
        finished.set(ref.key, record(ref, out));
        counts.ran++;
        if (out.status === 'ok') counts.ok++;
        else counts.failed++;
        progress();
      },
    );
  };
  let parents = sampleIndices(spec, population, rng);
  await evaluate(parents);
  for (let g = 0; g < generations; g++) {
    const parentCosts = parents.map((i) => costsOf(spec, i, finished));
    const children = offspring(spec, parents, parentCosts, population, evaluated, rng);
    await evaluate(children);
    const pool = [...new Set([...parents, ...children])].sort((a, b) => a - b);
    parents = selectSurvivors(
      pool,
      pool.map((i) => costsOf(spec, i, finished)),
      population,
    );
  }
  return [...evaluated].sort((a, b) => a - b);
}

/** points.jsonl of an evolutionary search: what it evaluated, in index order. */
function writePoints(spec: SweepSpec, outDir: string, indices: readonly number[]): number {
  const writer = new AtomicLineWriter(join(outDir, POINTS_FILE));
  let count = 0;
  for (const index of indices)
    for (const w of spec.workloads) {
      writer.write(pointLine(refOf(spec, w, index)));
      count++;
    }
  writer.commit();
  return count;
}
