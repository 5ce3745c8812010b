/**
 * R — the reference stepper of the dataflow pipeline. Every module and every FIFO is visited every
 * cycle: each module looks at its FIFOs as they were at the start of the cycle (valid = a word is
 * there, ready = there is room), fires its next schedule step or stalls, and then every FIFO applies
 * the cycle's pops and pushes. Written for clarity, not speed: it is the model the event engine
 * (./pipeline-event.ts) is proven against.
 */
import {
  assembleResult,
  cycleLimit,
  PipelineCycleLimitError,
  resolvePipeline,
  type PipelineResult,
  type PipelineSpec,
  type ResolvedModule,
  type ResolvedPipeline,
  type RunOptions,
} from './pipeline.js';

/** A bounded FIFO with registered valid/ready: decisions see the start-of-cycle occupancy. */
class StreamFifo {
  occupancyWords = 0;
  maxOccupancyWords = 0;
  private pushes = 0;
  private pops = 0;

  constructor(readonly depthWords: number) {}

  /** Valid: a word was there at the start of the cycle. */
  canPop(): boolean {
    return this.occupancyWords > 0;
  }

  /** Ready: there was room at the start of the cycle. */
  canPush(): boolean {
    return this.occupancyWords < this.depthWords;
  }

  pop(): void {
    this.pops++;
  }

  push(): void {
    this.pushes++;
  }

  /** End of cycle: apply the cycle's pops and pushes. */
  commit(): void {
    if (this.pushes > 0)
      this.maxOccupancyWords = Math.max(this.maxOccupancyWords, this.occupancyWords + this.pushes);
    this.occupancyWords += this.pushes - this.pops;
    this.pushes = 0;
    this.pops = 0;
  }
}

const FIRED = 0;
const STARVED = 1;
const BLOCKED = 2;
type Attempt = typeof FIRED | typeof STARVED | typeof BLOCKED;

/** A module walking its per-frame schedule, one step per cycle when its FIFOs allow. */
class ScheduledModule {
  frame = 0;
  /** Step within the frame. */
  step = 0;
  /** Index of the next event (I/O step) within the frame's schedule. */
  event = 0;
  busyCycles = 0;
  starvedCycles = 0;
  blockedCycles = 0;
  /** Cycle after its last step; -1 until it finishes. */
  finished = -1;
  /** Cycle after each completed frame (for output modules). */
  readonly frameEnds: number[] = [];
  firstFire = -1;
  lastAttempt: Attempt = FIRED;

  constructor(
    readonly m: ResolvedModule,
    private readonly frames: number,
    private readonly inputs: readonly StreamFifo[],
    private readonly outputs: readonly StreamFifo[],
  ) {}

  get done(): boolean {
    return this.frame >= this.frames;
  }

  /** Try to fire the current step in cycle `cycle`. */
  attempt(cycle: number): Attempt {
    const s = this.m.schedule;
    const atEvent = this.event < s.eventSteps.length && s.eventSteps[this.event] === this.step;
    if (atEvent) {
      const reads = s.readMasks[this.event]!;
      const writes = s.writeMasks[this.event]!;
      for (let p = 0; p < this.inputs.length; p++)
        if ((reads >>> p) & 1 && !this.inputs[p]!.canPop()) return this.stall(STARVED);
      for (let p = 0; p < this.outputs.length; p++)
        if ((writes >>> p) & 1 && !this.outputs[p]!.canPush()) return this.stall(BLOCKED);
      for (let p = 0; p < this.inputs.length; p++) if ((reads >>> p) & 1) this.inputs[p]!.pop();
      for (let p = 0; p < this.outputs.length; p++) if ((writes >>> p) & 1) this.outputs[p]!.push();
      this.event++;
    }
    this.busyCycles++;
    if (this.firstFire < 0) this.firstFire = cycle;
    this.step++;
    if (this.step === s.stepsPerFrame) {
      this.frameEnds.push(cycle + 1);
      this.frame++;
      this.step = 0;
      this.event = 0;
      if (this.done) this.finished = cycle + 1;
    }
    this.lastAttempt = FIRED;
    return FIRED;
  }

  private stall(kind: typeof STARVED | typeof BLOCKED): Attempt {
    if (kind === STARVED) this.starvedCycles++;
    else this.blockedCycles++;
    this.lastAttempt = kind;
    return kind;
  }

  /** Forget the stall counted in the deadlock cycle (the run ends before it). */
  undoLastStall(): void {
    if (this.lastAttempt === STARVED) this.starvedCycles--;
    else if (this.lastAttempt === BLOCKED) this.blockedCycles--;
  }
}

/** Run R on a resolved pipeline. */
export function runReferenceResolved(p: ResolvedPipeline, options?: RunOptions): PipelineResult {
  const maxCycles = cycleLimit(p, options);
  const fifos = p.edges.map((e) => new StreamFifo(e.depthWords));
  const modules = p.modules.map(
    (m) =>
      new ScheduledModule(
        m,
        p.frames,
        Array.from(m.inEdges, (k) => fifos[k]!),
        Array.from(m.outEdges, (k) => fifos[k]!),
      ),
  );
  let cycle = 0;
  let deadlocked = false;
  for (;;) {
    if (modules.every((m) => m.done)) break;
    if (cycle >= maxCycles) throw new PipelineCycleLimitError(maxCycles);
    let fired = false;
    for (const m of modules) if (!m.done && m.attempt(cycle) === FIRED) fired = true;
    for (const f of fifos) f.commit();
    if (!fired) {
      for (const m of modules) if (!m.done) m.undoLastStall();
      deadlocked = true;
      break;
    }
    cycle++;
  }
  const sinks = modules.filter((m) => m.m.isSink);
  const completed = Math.min(...sinks.map((m) => m.frameEnds.length));
  const frameDone = Array.from({ length: completed }, (_, f) =>
    Math.max(...sinks.map((m) => m.frameEnds[f]!)),
  );
  const firsts = sinks.flatMap((m) => (m.firstFire >= 0 ? [m.firstFire + 1] : []));
  return assembleResult(p, {
    deadlocked,
    totalCycles: cycle,
    frameDone,
    firstOutput: firsts.length > 0 ? Math.min(...firsts) : null,
    busy: Float64Array.from(modules, (m) => m.busyCycles),
    starved: Float64Array.from(modules, (m) => m.starvedCycles),
    blocked: Float64Array.from(modules, (m) => m.blockedCycles),
    finished: Float64Array.from(modules, (m) => m.finished),
    maxOccupancy: Float64Array.from(fifos, (f) => f.maxOccupancyWords),
    stuck: {
      frame: Int32Array.from(modules, (m) => m.frame),
      event: Int32Array.from(modules, (m) => m.event),
      occupancy: Float64Array.from(fifos, (f) => f.occupancyWords),
    },
  });
}

/** R: validate the spec and step it cycle by cycle. */
export function runReference(spec: PipelineSpec, options?: RunOptions): PipelineResult {
  return runReferenceResolved(resolvePipeline(spec), options);
}
