/**
 * A streaming dataflow pipeline as plain data (`PipelineSpec`: modules, edges with FIFO depths, a
 * frame count), its validation into the form both engines run (`ResolvedPipeline`), and the result
 * both engines return (`PipelineResult`).
 *
 * Timing rules shared by the reference stepper (./pipeline-ref.ts, R) and the event engine
 * (./pipeline-event.ts, E) — see docs/fpga-dataflow-engine.md:
 *  - each edge is a FIFO of `depthWords` words; in a cycle a module may pop a word that was in the
 *    FIFO at the start of the cycle, and push a word if the FIFO held fewer than `depthWords` words
 *    at the start of the cycle (registered valid/ready: a word pushed in cycle t is visible at t+1,
 *    a slot freed in cycle t is usable at t+1);
 *  - a module fires at most one step of its schedule (./schedules.ts) per cycle, all its reads and
 *    writes of that step at once, or none (it stalls: "starved" if an input word is missing, else
 *    "blocked" by a full output FIFO);
 *  - a cycle in which no module fires while some module has steps left is a deadlock: nothing can
 *    ever change again, so both engines stop there and report who waits on which FIFO.
 */
import { InputError, type InputIssue } from '../../units/errors.js';
import {
  finnExpectedCycles,
  layerLabel,
  moduleIssues,
  modulePorts,
  widthBits,
  type ModuleOp,
  type ModuleSpec,
  type PortShape,
} from './modules.js';
import { frameSchedule, type FrameSchedule } from './schedules.js';

/** A FIFO between an output port of one module and an input port of another. */
export interface EdgeSpec {
  readonly from: string;
  /** Output port of `from` (default 0; a duplicate's copies are ports 0, 1, …). */
  readonly fromPort?: number;
  readonly to: string;
  /** Input port of `to` (default 0; an add's second operand is port 1, a concat's inputs 0, 1, …). */
  readonly toPort?: number;
  /** FIFO capacity in words; 'unbounded' for an ideal FIFO (used by FIFO sizing). */
  readonly depthWords: number | 'unbounded';
  /** Name in results (default `from.port->to.port`). */
  readonly name?: string;
}

export interface PipelineSpec {
  readonly modules: readonly ModuleSpec[];
  readonly edges: readonly EdgeSpec[];
  /** Frames (images) streamed back to back, all available at the input from cycle 0. */
  readonly frames: number;
}

export interface RunOptions {
  /**
   * Stop with PipelineCycleLimitError past this many cycles. Default: the total number of steps of
   * all modules over all frames + 1, which a pipeline can never reach (every cycle before the end
   * fires a step, or it is a deadlock and reported as one).
   */
  readonly maxCycles?: number;
}

/** Neither a finished run nor a deadlock within `maxCycles` cycles. */
export class PipelineCycleLimitError extends Error {
  constructor(readonly maxCycles: number) {
    super(`pipeline simulation reached the cycle limit of ${maxCycles} cycles (maxCycles) before finishing`);
    this.name = 'PipelineCycleLimitError';
  }
}

/** A module ready to run: its schedule and, per port, the index of the edge attached to it. */
export interface ResolvedModule {
  readonly name: string;
  readonly op: ModuleOp;
  readonly schedule: FrameSchedule;
  readonly finnCycles: number | null;
  /** Edge index per input port. */
  readonly inEdges: Int32Array;
  /** Edge index per output port. */
  readonly outEdges: Int32Array;
  readonly isSink: boolean;
}

export interface ResolvedEdge {
  readonly name: string;
  readonly from: number;
  readonly fromPort: number;
  readonly to: number;
  readonly toPort: number;
  /** Capacity in words; Infinity when unbounded. */
  readonly depthWords: number;
  readonly wordsPerFrame: number;
  readonly elemsPerWord: number;
  readonly elemBits: number;
  readonly widthBits: number;
}

export interface ResolvedPipeline {
  readonly frames: number;
  readonly modules: readonly ResolvedModule[];
  readonly edges: readonly ResolvedEdge[];
  /** Module indices, producers before consumers. */
  readonly order: Int32Array;
  /** Σ over modules of stepsPerFrame × frames. */
  readonly totalSteps: number;
}

/** Largest schedule accepted per module and frame (a guard against unbounded allocation). */
export const MAX_STEPS_PER_FRAME = 1 << 26;
/** Most frames per run (per-frame results are kept for every frame). */
export const MAX_FRAMES = 100_000;

// ---------------------------------------------------------------------------------------------------
// Results

export interface ModuleResult {
  readonly name: string;
  readonly op: ModuleOp;
  /** Cycles per frame of the module alone (its schedule length). */
  readonly cyclesPerFrame: number;
  /** FINN's expected cycles (fpga.md §1.1); equal to cyclesPerFrame wherever FINN models the op. */
  readonly finnExpectedCycles: number | null;
  /** Cycles in which it fired a step. */
  readonly busyCycles: number;
  /** Cycles it could not fire because an input word was missing. */
  readonly starvedCycles: number;
  /** Cycles it could not fire because an output FIFO was full (inputs all there). */
  readonly blockedCycles: number;
  /** Cycle count after its last step, or null if it did not finish (deadlock). */
  readonly finishedCycles: number | null;
}

export interface FifoResult {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly depthWords: number | 'unbounded';
  readonly widthBits: number;
  readonly wordsPerFrame: number;
  /** Most words held in one cycle (those at the cycle's start + the one pushed in it). */
  readonly maxOccupancyWords: number;
}

export interface DeadlockWait {
  readonly module: string;
  readonly frame: number;
  /** Step of its schedule (within the frame) it cannot fire. */
  readonly step: number;
  readonly state: 'starved' | 'blocked';
  readonly fifo: string;
  readonly occupancyWords: number;
  readonly depthWords: number | 'unbounded';
}

export interface DeadlockReport {
  /** First cycle in which nothing could move (= the run's totalCycles). */
  readonly cycle: number;
  /** Every unfinished module, and the FIFO it waits on. */
  readonly waits: readonly DeadlockWait[];
  readonly message: string;
}

export interface PipelineResult {
  readonly status: 'done' | 'deadlock';
  readonly frames: number;
  /** Cycles until every module finished (or until the deadlock cycle). */
  readonly totalCycles: number;
  /** Per completed frame: cycles until its last word reached the output(s). */
  readonly frameDoneCycles: readonly number[];
  /** Cycles until the first output word reached an output module. */
  readonly firstOutputCycles: number | null;
  /** Steady-state initiation interval: gap between the last two frames' completions (≥ 2 frames). */
  readonly iiCycles: number | null;
  /** The module with the most cycles per frame: the II the pipeline can reach (fpga.md §1.2). */
  readonly slowestModule: string;
  readonly slowestModuleCycles: number;
  readonly modules: readonly ModuleResult[];
  readonly fifos: readonly FifoResult[];
  readonly deadlock: DeadlockReport | null;
}

/** What an engine measured, before it is dressed as a PipelineResult (shared by R and E). */
export interface RawRun {
  readonly deadlocked: boolean;
  readonly totalCycles: number;
  readonly frameDone: readonly number[];
  readonly firstOutput: number | null;
  readonly busy: Float64Array;
  readonly starved: Float64Array;
  readonly blocked: Float64Array;
  /** Cycle after the last step, -1 if unfinished. */
  readonly finished: Float64Array;
  readonly maxOccupancy: Float64Array;
  /** At a deadlock: per module its frame and pending event index; per edge its occupancy. */
  readonly stuck?: {
    readonly frame: Int32Array;
    readonly event: Int32Array;
    readonly occupancy: Float64Array;
  };
}

// ---------------------------------------------------------------------------------------------------
// Validation

function resolveModuleIssues(spec: PipelineSpec): InputIssue[] {
  const issues: InputIssue[] = [];
  if (!Number.isInteger(spec.frames) || spec.frames < 1 || spec.frames > MAX_FRAMES)
    issues.push({
      path: 'frames',
      value: String(spec.frames),
      expected: `an integer from 1 to ${MAX_FRAMES}`,
    });
  const seen = new Set<string>();
  spec.modules.forEach((m, i) => {
    if (typeof m.name !== 'string' || m.name === '')
      issues.push({
        path: `modules[${i}].name`,
        value: JSON.stringify(m.name),
        expected: 'a non-empty name',
      });
    else if (seen.has(m.name))
      issues.push({
        path: `modules[${i}].name`,
        value: JSON.stringify(m.name),
        expected: 'a name used once',
      });
    seen.add(m.name);
    issues.push(...moduleIssues(m, i));
  });
  if (!spec.modules.some((m) => m.op === 'output'))
    issues.push({
      path: 'modules',
      value: '(no output module)',
      expected: 'at least one module with op "output"',
    });
  return issues;
}

function stepsGuard(m: ModuleSpec, i: number, words: number): InputIssue[] {
  const steps = finnExpectedCycles(m) ?? words;
  return steps > MAX_STEPS_PER_FRAME
    ? [
        {
          path: layerLabel(m, i),
          value: `${steps} cycles per frame`,
          expected: `at most ${MAX_STEPS_PER_FRAME} cycles per frame per module`,
        },
      ]
    : [];
}

function shapeText(p: PortShape): string {
  return `${p.wordsPerFrame} words/frame × ${p.elemsPerWord} elems × ${p.elemBits} bits`;
}

interface EdgeCheck {
  readonly issues: InputIssue[];
  readonly edges: ResolvedEdge[];
}

function checkEdges(spec: PipelineSpec): EdgeCheck {
  const issues: InputIssue[] = [];
  const index = new Map(spec.modules.map((m, i) => [m.name, i]));
  const ports = spec.modules.map(modulePorts);
  const inUsed = spec.modules.map((m, i) =>
    new Array<number>(ports[i]!.inputs?.length ?? (m.op === 'output' ? 1 : 0)).fill(0),
  );
  const outUsed = spec.modules.map((_, i) => new Array<number>(ports[i]!.outputs.length).fill(0));
  const edges: ResolvedEdge[] = [];
  spec.edges.forEach((e, k) => {
    const where = `edges[${k}]`;
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined)
      issues.push({ path: `${where}.from`, value: JSON.stringify(e.from), expected: 'a module name' });
    if (to === undefined)
      issues.push({ path: `${where}.to`, value: JSON.stringify(e.to), expected: 'a module name' });
    const depth = e.depthWords;
    if (depth !== 'unbounded' && !(Number.isInteger(depth) && depth >= 1))
      issues.push({
        path: `${where}.depthWords`,
        value: String(depth),
        expected: 'a positive integer number of words, or "unbounded"',
      });
    if (from === undefined || to === undefined) return;
    const fromPort = e.fromPort ?? 0;
    const toPort = e.toPort ?? 0;
    const outs = outUsed[from]!;
    const ins = inUsed[to]!;
    if (!(Number.isInteger(fromPort) && fromPort >= 0 && fromPort < outs.length)) {
      issues.push({
        path: `${where}.fromPort`,
        value: String(fromPort),
        expected: `an output port of ${JSON.stringify(e.from)} (0..${outs.length - 1})`,
      });
      return;
    }
    if (!(Number.isInteger(toPort) && toPort >= 0 && toPort < ins.length)) {
      issues.push({
        path: `${where}.toPort`,
        value: String(toPort),
        expected: `an input port of ${JSON.stringify(e.to)} (0..${ins.length - 1})`,
      });
      return;
    }
    outs[fromPort]!++;
    ins[toPort]!++;
    const shape = ports[from]!.outputs[fromPort]!;
    const want = ports[to]!.inputs?.[toPort] ?? shape;
    if (
      shape.wordsPerFrame !== want.wordsPerFrame ||
      shape.elemsPerWord !== want.elemsPerWord ||
      shape.elemBits !== want.elemBits
    )
      issues.push({
        path: `${where} (${e.from} → ${e.to})`,
        value: `${e.from} port ${fromPort} sends ${shapeText(shape)}`,
        expected: `${e.to} port ${toPort} takes ${shapeText(want)} (insert a width converter "dwc" or fix the folding)`,
      });
    edges.push({
      name: e.name ?? `${e.from}.${fromPort}->${e.to}.${toPort}`,
      from,
      fromPort,
      to,
      toPort,
      depthWords: depth === 'unbounded' ? Infinity : depth,
      wordsPerFrame: shape.wordsPerFrame,
      elemsPerWord: shape.elemsPerWord,
      elemBits: shape.elemBits,
      widthBits: widthBits(shape),
    });
  });
  spec.modules.forEach((m, i) => {
    const label = layerLabel(m, i);
    inUsed[i]!.forEach((n, p) => {
      if (n !== 1)
        issues.push({ path: `${label} input port ${p}`, value: `${n} edges`, expected: 'exactly one edge' });
    });
    outUsed[i]!.forEach((n, p) => {
      if (n !== 1)
        issues.push({ path: `${label} output port ${p}`, value: `${n} edges`, expected: 'exactly one edge' });
    });
  });
  return { issues, edges };
}

/** Kahn's order of the modules; the names of modules on a cycle if there is one. */
function topologicalOrder(n: number, edges: readonly ResolvedEdge[]): { order: number[]; onCycle: number[] } {
  const indeg = new Array<number>(n).fill(0);
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    indeg[e.to]!++;
    succ[e.from]!.push(e.to);
  }
  const order: number[] = [];
  const queue = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
  while (queue.length > 0) {
    const m = queue.shift()!;
    order.push(m);
    for (const s of succ[m]!) if (--indeg[s]! === 0) queue.push(s);
  }
  // of the modules left, drop those that only feed others (downstream of a loop, not on it)
  const left = new Set(indeg.flatMap((d, i) => (d > 0 ? [i] : [])));
  for (let changed = true; changed;) {
    changed = false;
    for (const m of left)
      if (!succ[m]!.some((s) => left.has(s))) {
        left.delete(m);
        changed = true;
      }
  }
  return { order, onCycle: [...left].sort((a, b) => a - b) };
}

/** Validate a spec (every problem at once, one InputError) and build what the engines run. */
export function resolvePipeline(spec: PipelineSpec): ResolvedPipeline {
  const issues = resolveModuleIssues(spec);
  if (issues.length > 0) throw new InputError(issues);
  const check = checkEdges(spec);
  if (check.issues.length > 0) throw new InputError(check.issues);
  const edges = check.edges;
  const { order, onCycle } = topologicalOrder(spec.modules.length, edges);
  if (onCycle.length > 0)
    throw new InputError([
      {
        path: 'edges',
        value: `a cycle through ${onCycle.map((i) => spec.modules[i]!.name).join(', ')}`,
        expected: 'a pipeline without feedback loops (a DAG)',
      },
    ]);
  const guard = spec.modules.flatMap((m, i) => {
    const sinkEdge = edges.find((e) => e.to === i);
    const words =
      m.op === 'output' ? (sinkEdge?.wordsPerFrame ?? 0) : (modulePorts(m).outputs[0]?.wordsPerFrame ?? 0);
    return stepsGuard(m, i, words);
  });
  if (guard.length > 0) throw new InputError(guard);
  const modules = spec.modules.map((m, i): ResolvedModule => {
    const ins = edges.flatMap((e, k) => (e.to === i ? [{ port: e.toPort, k }] : []));
    const outs = edges.flatMap((e, k) => (e.from === i ? [{ port: e.fromPort, k }] : []));
    const inEdges = new Int32Array(ins.length);
    for (const x of ins) inEdges[x.port] = x.k;
    const outEdges = new Int32Array(outs.length);
    for (const x of outs) outEdges[x.port] = x.k;
    const sinkWords = m.op === 'output' ? edges[inEdges[0]!]!.wordsPerFrame : 0;
    return {
      name: m.name,
      op: m.op,
      schedule: frameSchedule(m, sinkWords),
      finnCycles: finnExpectedCycles(m),
      inEdges,
      outEdges,
      isSink: m.op === 'output',
    };
  });
  const totalSteps = modules.reduce((a, m) => a + m.schedule.stepsPerFrame * spec.frames, 0);
  return { frames: spec.frames, modules, edges, order: Int32Array.from(order), totalSteps };
}

/** The cycle cap of a run (see RunOptions.maxCycles). */
export function cycleLimit(p: ResolvedPipeline, options: RunOptions | undefined): number {
  return options?.maxCycles ?? p.totalSteps + 1;
}

// ---------------------------------------------------------------------------------------------------
// Result assembly (shared, so that R and E differ only in what they measure)

function depthOut(d: number): number | 'unbounded' {
  return Number.isFinite(d) ? d : 'unbounded';
}

/** Who waits on what at a deadlock: an empty input FIFO first (starved), else a full output FIFO. */
export function deadlockWaits(p: ResolvedPipeline, stuck: NonNullable<RawRun['stuck']>): DeadlockWait[] {
  const waits: DeadlockWait[] = [];
  p.modules.forEach((m, i) => {
    const frame = stuck.frame[i]!;
    if (frame >= p.frames) return;
    const ev = stuck.event[i]!;
    const s = m.schedule;
    const wait = (state: 'starved' | 'blocked', edge: number): DeadlockWait => ({
      module: m.name,
      frame,
      step: s.eventSteps[ev]!,
      state,
      fifo: p.edges[edge]!.name,
      occupancyWords: stuck.occupancy[edge]!,
      depthWords: depthOut(p.edges[edge]!.depthWords),
    });
    for (let port = 0; port < m.inEdges.length; port++)
      if ((s.readMasks[ev]! >>> port) & 1 && stuck.occupancy[m.inEdges[port]!] === 0) {
        waits.push(wait('starved', m.inEdges[port]!));
        return;
      }
    for (let port = 0; port < m.outEdges.length; port++) {
      const e = m.outEdges[port]!;
      if ((s.writeMasks[ev]! >>> port) & 1 && stuck.occupancy[e]! >= p.edges[e]!.depthWords) {
        waits.push(wait('blocked', e));
        return;
      }
    }
    throw new Error(`internal: module ${m.name} is stuck at a deadlock but waits on nothing`);
  });
  return waits;
}

function deadlockMessage(cycle: number, waits: readonly DeadlockWait[]): string {
  const parts = waits.map((w) =>
    w.state === 'starved'
      ? `${w.module} (frame ${w.frame}, step ${w.step}) starved on empty FIFO ${w.fifo}`
      : `${w.module} (frame ${w.frame}, step ${w.step}) blocked on full FIFO ${w.fifo} (${w.occupancyWords}/${w.depthWords} words)`,
  );
  return `deadlock at cycle ${cycle}: nothing can move; ${parts.join('; ')}`;
}

/** The slowest module (first one on ties): the II the pipeline can reach. */
export function slowestModule(p: ResolvedPipeline): { name: string; cycles: number } {
  let best = p.modules[0]!;
  for (const m of p.modules) if (m.schedule.stepsPerFrame > best.schedule.stepsPerFrame) best = m;
  return { name: best.name, cycles: best.schedule.stepsPerFrame };
}

export function assembleResult(p: ResolvedPipeline, raw: RawRun): PipelineResult {
  const frames = raw.frameDone.length;
  const slow = slowestModule(p);
  let deadlock: DeadlockReport | null = null;
  if (raw.deadlocked) {
    if (raw.stuck === undefined) throw new Error('internal: deadlock without its state');
    const waits = deadlockWaits(p, raw.stuck);
    deadlock = { cycle: raw.totalCycles, waits, message: deadlockMessage(raw.totalCycles, waits) };
  }
  return {
    status: raw.deadlocked ? 'deadlock' : 'done',
    frames: p.frames,
    totalCycles: raw.totalCycles,
    frameDoneCycles: [...raw.frameDone],
    firstOutputCycles: raw.firstOutput,
    iiCycles: !raw.deadlocked && frames >= 2 ? raw.frameDone[frames - 1]! - raw.frameDone[frames - 2]! : null,
    slowestModule: slow.name,
    slowestModuleCycles: slow.cycles,
    modules: p.modules.map((m, i) => ({
      name: m.name,
      op: m.op,
      cyclesPerFrame: m.schedule.stepsPerFrame,
      finnExpectedCycles: m.finnCycles,
      busyCycles: raw.busy[i]!,
      starvedCycles: raw.starved[i]!,
      blockedCycles: raw.blocked[i]!,
      finishedCycles: raw.finished[i]! < 0 ? null : raw.finished[i]!,
    })),
    fifos: p.edges.map((e, k) => ({
      name: e.name,
      from: p.modules[e.from]!.name,
      to: p.modules[e.to]!.name,
      depthWords: depthOut(e.depthWords),
      widthBits: e.widthBits,
      wordsPerFrame: e.wordsPerFrame,
      maxOccupancyWords: raw.maxOccupancy[k]!,
    })),
    deadlock,
  };
}
