/**
 * E — the event engine of the dataflow pipeline. It computes the cycle of every I/O step of every
 * module instead of stepping cycles, with the same rules as R (./pipeline-ref.ts):
 *
 *   T(event) = max( T(previous step) + 1 + silent steps in between,   — one step per cycle
 *                   P_e[k] + 1  for each word k it reads from FIFO e,     — valid: pushed before
 *                   Q_e[k − D_e] + 1  for each word k it writes to e )    — ready: room at start
 *
 * where P_e[k] / Q_e[k] are the cycles word k of FIFO e is pushed / popped and D_e its depth. The
 * cycles before T(event) are "starved" up to the latest input arrival and "blocked" after it.
 * These are max-plus recurrences; each T is final as soon as the words it depends on have times,
 * so modules are advanced in any order (a worklist) and silent steps cost nothing. If every module
 * waits on a word that has no time yet, no module can ever move again: a deadlock, found without
 * simulating idle cycles, at cycle 1 + the last step that fired (as R finds it).
 *
 * Steady stretches are jumped frame by frame: the run is computed one frame at a time (frame f
 * never depends on a later frame). When the last h frames are exact copies, shifted by δ cycles, of
 * the h frames c earlier (every word time, every module's frame end and stall counts, every FIFO's
 * peak), where h covers how far back a FIFO's depth reaches (⌈D_e / words per frame⌉), every later
 * frame is that copy shifted again (the recurrences are shift-invariant); the remaining frames are
 * then filled in arithmetically. Without finite depths everywhere the check is off (a FIFO may grow
 * without bound) and every frame is computed. See docs/fpga-dataflow-engine.md.
 */
import {
  assembleResult,
  cycleLimit,
  PipelineCycleLimitError,
  resolvePipeline,
  type PipelineResult,
  type PipelineSpec,
  type ResolvedPipeline,
  type RunOptions,
} from './pipeline.js';

export interface EventOptions extends RunOptions {
  /** Jump periodic frames (default true); false computes every frame (for tests). */
  readonly periodic?: boolean;
}

/** How E got its result: frames computed event by event, and the period it extrapolated with. */
export interface EventDetail {
  readonly result: PipelineResult;
  readonly computedFrames: number;
  readonly period: {
    readonly fromFrame: number;
    readonly frames: number;
    readonly deltaCycles: number;
  } | null;
}

/** Largest repeat length (in frames) looked for. */
const MAX_PERIOD_FRAMES = 2;

/**
 * Push and pop cycles of the words of one FIFO, by word index, in a ring that keeps only the words
 * still needed (by the consumer, by the producer's ready check, by the occupancy count and by the
 * periodicity check), and the FIFO's occupancy peaks.
 */
class WordTimes {
  pushCount = 0;
  popCount = 0;
  firstPop = -1;
  /** Lowest word index still held. */
  private base = 0;
  /** Words below this index are kept for the periodicity check. */
  keepFrom = 0;
  private push: Float64Array;
  private pop: Float64Array;
  private mask: number;
  /** Occupancy sweep: next push to account (k) and pops before it (j). */
  private occK = 0;
  private occJ = 0;
  /** Peak occupancy per frame (attributed to the frame of the pushed word). */
  readonly frameMax: Float64Array;

  constructor(
    readonly depthWords: number,
    readonly wordsPerFrame: number,
    frames: number,
  ) {
    let cap = 16;
    // grows by doubling when needed; start with about two frames plus the depth, up to 64 Ki words
    const want = Math.min(wordsPerFrame * 2 + (Number.isFinite(depthWords) ? depthWords : 0), 1 << 16);
    while (cap < want) cap *= 2;
    this.push = new Float64Array(cap);
    this.pop = new Float64Array(cap);
    this.mask = cap - 1;
    this.frameMax = new Float64Array(frames);
  }

  pushTime(k: number): number {
    return this.push[k & this.mask]!;
  }

  popTime(k: number): number {
    return this.pop[k & this.mask]!;
  }

  addPush(t: number): void {
    if (this.pushCount - this.base > this.mask) this.makeRoom();
    this.push[this.pushCount & this.mask] = t;
    this.pushCount++;
  }

  addPop(t: number): void {
    if (this.popCount === 0) this.firstPop = t;
    this.pop[this.popCount & this.mask] = t;
    this.popCount++;
  }

  /**
   * Account the occupancy at every push whose earlier pops are known: words held in the push's
   * cycle = pushes before it + 1 − pops before it. `final`: words never popped count as held.
   */
  settle(final: boolean): void {
    while (this.occK < this.pushCount) {
      const pk = this.pushTime(this.occK);
      while (this.occJ < this.occK) {
        if (this.occJ >= this.popCount) {
          if (final) break;
          return;
        }
        if (this.popTime(this.occJ) < pk) this.occJ++;
        else break;
      }
      const occ = this.occK + 1 - this.occJ;
      const f = Math.floor(this.occK / this.wordsPerFrame);
      if (occ > this.frameMax[f]!) this.frameMax[f] = occ;
      this.occK++;
    }
  }

  /** Drop the words nobody needs any more. */
  retire(): void {
    const ready = Number.isFinite(this.depthWords) ? this.pushCount - this.depthWords : this.pushCount;
    const low = Math.min(this.popCount, this.occJ, this.occK, ready, this.keepFrom);
    if (low > this.base) this.base = low;
  }

  private makeRoom(): void {
    this.settle(false);
    this.retire();
    if (this.pushCount - this.base <= this.mask) return;
    const cap = (this.mask + 1) * 2;
    const push = new Float64Array(cap);
    const pop = new Float64Array(cap);
    for (let k = this.base; k < this.pushCount; k++) {
      push[k & (cap - 1)] = this.pushTime(k);
      pop[k & (cap - 1)] = this.popTime(k);
    }
    this.push = push;
    this.pop = pop;
    this.mask = cap - 1;
  }
}

/** The event engine's state for one run. */
class EventPipeline {
  private readonly n: number;
  private readonly frames: number;
  private readonly words: WordTimes[];
  private readonly frame: Int32Array;
  private readonly event: Int32Array;
  private readonly stepIn: Float64Array;
  private readonly lastTime: Float64Array;
  private readonly busy: Float64Array;
  /** Per module × frame (index m·frames + f). */
  private readonly frameEnd: Float64Array;
  private readonly starvedF: Float64Array;
  private readonly blockedF: Float64Array;
  private readonly neighbours: Int32Array[];
  private readonly queue: Int32Array;
  private readonly queued: Uint8Array;

  constructor(private readonly p: ResolvedPipeline) {
    this.n = p.modules.length;
    this.frames = p.frames;
    this.words = p.edges.map((e) => new WordTimes(e.depthWords, e.wordsPerFrame, p.frames));
    this.frame = new Int32Array(this.n);
    this.event = new Int32Array(this.n);
    this.stepIn = new Float64Array(this.n);
    this.lastTime = new Float64Array(this.n).fill(-1);
    this.busy = new Float64Array(this.n);
    this.frameEnd = new Float64Array(this.n * this.frames);
    this.starvedF = new Float64Array(this.n * this.frames);
    this.blockedF = new Float64Array(this.n * this.frames);
    this.neighbours = p.modules.map((m) => {
      const set = new Set<number>();
      for (const k of m.inEdges) set.add(p.edges[k]!.from);
      for (const k of m.outEdges) set.add(p.edges[k]!.to);
      return Int32Array.from(set);
    });
    this.queue = new Int32Array(this.n);
    this.queued = new Uint8Array(this.n);
  }

  /**
   * Fire module m's steps, in order, while their times can be computed, up to the end of frame
   * `limit`. Returns whether anything fired.
   */
  private advance(m: number, limit: number): boolean {
    const mod = this.p.modules[m]!;
    const s = mod.schedule;
    const steps = s.stepsPerFrame;
    const nEvents = s.eventSteps.length;
    const ins = mod.inEdges;
    const outs = mod.outEdges;
    const words = this.words;
    const row = m * this.frames;
    let f = this.frame[m]!;
    let ev = this.event[m]!;
    let stepIn = this.stepIn[m]!;
    let last = this.lastTime[m]!;
    let busy = this.busy[m]!;
    let progress = false;
    while (f <= limit && f < this.frames) {
      if (ev === nEvents) {
        // trailing silent steps, then the next frame
        last += steps - stepIn;
        busy += steps - stepIn;
        this.frameEnd[row + f] = last;
        f++;
        ev = 0;
        stepIn = 0;
        progress = true;
        continue;
      }
      const step = s.eventSteps[ev]!;
      const earliest = last + 1 + (step - stepIn);
      const reads = s.readMasks[ev]!;
      const writes = s.writeMasks[ev]!;
      let ready = earliest;
      let ok = true;
      for (let port = 0; port < ins.length && ok; port++) {
        if (((reads >>> port) & 1) === 0) continue;
        const w = words[ins[port]!]!;
        if (w.popCount >= w.pushCount) ok = false;
        else ready = Math.max(ready, w.pushTime(w.popCount) + 1);
      }
      let t = ready;
      for (let port = 0; port < outs.length && ok; port++) {
        if (((writes >>> port) & 1) === 0) continue;
        const w = words[outs[port]!]!;
        const k = w.pushCount - w.depthWords;
        if (k < 0) continue;
        if (k >= w.popCount) ok = false;
        else t = Math.max(t, w.popTime(k) + 1);
      }
      if (!ok) break;
      this.starvedF[row + f]! += ready - earliest;
      this.blockedF[row + f]! += t - ready;
      for (let port = 0; port < ins.length; port++) if ((reads >>> port) & 1) words[ins[port]!]!.addPop(t);
      for (let port = 0; port < outs.length; port++)
        if ((writes >>> port) & 1) words[outs[port]!]!.addPush(t);
      busy += step - stepIn + 1;
      last = t;
      stepIn = step + 1;
      ev++;
      progress = true;
    }
    this.frame[m] = f;
    this.event[m] = ev;
    this.stepIn[m] = stepIn;
    this.lastTime[m] = last;
    this.busy[m] = busy;
    return progress;
  }

  /** Advance every module as far as it can go within frame `limit` (worklist until quiet). */
  private drain(limit: number): void {
    const n = this.n;
    let head = 0;
    let size = 0;
    for (const m of this.p.order) {
      this.queue[(head + size++) % n] = m;
      this.queued[m] = 1;
    }
    while (size > 0) {
      const m = this.queue[head]!;
      head = (head + 1) % n;
      size--;
      this.queued[m] = 0;
      if (!this.advance(m, limit)) continue;
      for (const x of this.neighbours[m]!)
        if (this.queued[x] === 0) {
          this.queue[(head + size++) % n] = x;
          this.queued[x] = 1;
        }
    }
  }

  /** How many frames back a FIFO's ready check reaches (≥ 1; Infinity with an unbounded FIFO). */
  private windowFrames(): number {
    let h = 1;
    for (const w of this.words) {
      if (!Number.isFinite(w.depthWords)) return Infinity;
      h = Math.max(h, Math.ceil(w.depthWords / w.wordsPerFrame));
    }
    return h;
  }

  /** Are frame g's times those of frame g − c shifted by δ (returned), with equal stalls and peaks? */
  private shiftOf(g: number, c: number): number | null {
    const fr = this.frames;
    const delta = this.frameEnd[g]! - this.frameEnd[g - c]!;
    for (let m = 0; m < this.n; m++) {
      const a = m * fr + g;
      const b = a - c;
      if (this.frameEnd[a]! - this.frameEnd[b]! !== delta) return null;
      if (this.starvedF[a] !== this.starvedF[b] || this.blockedF[a] !== this.blockedF[b]) return null;
    }
    for (const w of this.words) {
      if (w.frameMax[g] !== w.frameMax[g - c]) return null;
      const wpf = w.wordsPerFrame;
      const ka = g * wpf;
      const kb = (g - c) * wpf;
      for (let i = 0; i < wpf; i++) {
        if (w.pushTime(ka + i) - w.pushTime(kb + i) !== delta) return null;
        if (w.popTime(ka + i) - w.popTime(kb + i) !== delta) return null;
      }
    }
    return delta;
  }

  /** Fill frames g+1 … from frames (g−c, g] shifted by multiples of δ. */
  private extrapolate(g: number, c: number, delta: number): void {
    const fr = this.frames;
    for (let x = g + 1; x < fr; x++) {
      const reps = Math.ceil((x - g) / c);
      const src = x - reps * c;
      for (let m = 0; m < this.n; m++) {
        const row = m * fr;
        this.frameEnd[row + x] = this.frameEnd[row + src]! + reps * delta;
        this.starvedF[row + x] = this.starvedF[row + src]!;
        this.blockedF[row + x] = this.blockedF[row + src]!;
      }
      for (const w of this.words) w.frameMax[x] = w.frameMax[src]!;
    }
  }

  run(periodic: boolean): EventDetail {
    const fr = this.frames;
    const h = this.windowFrames();
    const usePeriod = periodic && Number.isFinite(h);
    const runs = new Array<number>(MAX_PERIOD_FRAMES + 1).fill(0);
    const deltas = new Array<number>(MAX_PERIOD_FRAMES + 1).fill(0);
    for (let g = 0; g < fr; g++) {
      for (const w of this.words) {
        w.keepFrom = usePeriod ? Math.max(0, (g - MAX_PERIOD_FRAMES) * w.wordsPerFrame) : Infinity;
        w.retire();
      }
      this.drain(g);
      for (let m = 0; m < this.n; m++) if (this.frame[m]! <= g) return this.deadlock(fr);
      for (const w of this.words) w.settle(false);
      if (!usePeriod) continue;
      let matched = false;
      for (let c = 1; c <= MAX_PERIOD_FRAMES && c <= g; c++) {
        // a longer period is looked for only when no shorter one matches this frame (a run of
        // matches must be consecutive, so its count restarts)
        const delta: number | null = matched ? null : this.shiftOf(g, c);
        if (delta === null) runs[c] = 0;
        else if (runs[c]! > 0 && deltas[c] === delta) runs[c]!++;
        else {
          runs[c] = 1;
          deltas[c] = delta;
        }
        matched ||= delta !== null;
        if (runs[c]! >= h && g + 1 < fr) {
          this.extrapolate(g, c, deltas[c]!);
          return this.finish(g + 1, { fromFrame: g + 1, frames: c, deltaCycles: deltas[c]! });
        }
      }
    }
    return this.finish(fr, null);
  }

  private sinks(): number[] {
    return this.p.modules.flatMap((m, i) => (m.isSink ? [i] : []));
  }

  private firstOutput(): number | null {
    const firsts = this.sinks().flatMap((i) => {
      const t = this.words[this.p.modules[i]!.inEdges[0]!]!.firstPop;
      return t >= 0 ? [t + 1] : [];
    });
    return firsts.length > 0 ? Math.min(...firsts) : null;
  }

  private frameDone(completed: number): number[] {
    const sinks = this.sinks();
    return Array.from({ length: completed }, (_, f) =>
      Math.max(...sinks.map((i) => this.frameEnd[i * this.frames + f]! + 1)),
    );
  }

  private sumRow(a: Float64Array, m: number): number {
    let s = 0;
    for (let f = 0; f < this.frames; f++) s += a[m * this.frames + f]!;
    return s;
  }

  private finish(computedFrames: number, period: EventDetail['period']): EventDetail {
    const fr = this.frames;
    const finished = Float64Array.from(this.p.modules, (_, m) => this.frameEnd[m * fr + fr - 1]! + 1);
    const result = assembleResult(this.p, {
      deadlocked: false,
      totalCycles: Math.max(...finished),
      frameDone: this.frameDone(fr),
      firstOutput: this.firstOutput(),
      busy: Float64Array.from(this.p.modules, (m) => m.schedule.stepsPerFrame * fr),
      starved: Float64Array.from(this.p.modules, (_, m) => this.sumRow(this.starvedF, m)),
      blocked: Float64Array.from(this.p.modules, (_, m) => this.sumRow(this.blockedF, m)),
      finished,
      maxOccupancy: Float64Array.from(this.words, (w) => w.frameMax.reduce((a, b) => Math.max(a, b), 0)),
    });
    return { result, computedFrames, period };
  }

  /** Nothing can finish frame g: fire everything that still can, then report who waits on what. */
  private deadlock(fr: number): EventDetail {
    this.drain(fr - 1);
    const pending = new Float64Array(this.n);
    let cycle = 0;
    this.p.modules.forEach((mod, m) => {
      if (this.frame[m]! < fr) pending[m] = mod.schedule.eventSteps[this.event[m]!]! - this.stepIn[m]!;
      cycle = Math.max(cycle, this.lastTime[m]! + pending[m]! + 1);
    });
    const starved = Float64Array.from(this.p.modules, (_, m) => this.sumRow(this.starvedF, m));
    const blocked = Float64Array.from(this.p.modules, (_, m) => this.sumRow(this.blockedF, m));
    this.p.modules.forEach((mod, m) => {
      if (this.frame[m]! >= fr) return;
      this.busy[m]! += pending[m]!;
      const earliest = this.lastTime[m]! + pending[m]! + 1;
      const s = mod.schedule;
      const ev = this.event[m]!;
      let ready = earliest;
      for (let port = 0; port < mod.inEdges.length; port++) {
        if (((s.readMasks[ev]! >>> port) & 1) === 0) continue;
        const w = this.words[mod.inEdges[port]!]!;
        ready = Math.max(ready, w.popCount < w.pushCount ? w.pushTime(w.popCount) + 1 : Infinity);
      }
      const starvedNow = Math.max(0, Math.min(ready, cycle) - earliest);
      starved[m]! += starvedNow;
      blocked[m]! += Math.max(0, cycle - earliest) - starvedNow;
    });
    for (const w of this.words) w.settle(true);
    let completed = fr;
    for (const i of this.sinks()) completed = Math.min(completed, this.frame[i]!);
    const result = assembleResult(this.p, {
      deadlocked: true,
      totalCycles: cycle,
      frameDone: this.frameDone(completed),
      firstOutput: this.firstOutput(),
      busy: this.busy,
      starved,
      blocked,
      finished: Float64Array.from(this.p.modules, (_, m) =>
        this.frame[m]! >= fr ? this.frameEnd[m * fr + fr - 1]! + 1 : -1,
      ),
      maxOccupancy: Float64Array.from(this.words, (w) => w.frameMax.reduce((a, b) => Math.max(a, b), 0)),
      stuck: {
        frame: this.frame,
        event: this.event,
        occupancy: Float64Array.from(this.words, (w) => w.pushCount - w.popCount),
      },
    });
    return { result, computedFrames: completed, period: null };
  }
}

/** Check E's result against the cycle cap exactly where R would stop. */
function checkLimit(r: PipelineResult, maxCycles: number): void {
  const over = r.status === 'deadlock' ? r.totalCycles >= maxCycles : r.totalCycles > maxCycles;
  if (over) throw new PipelineCycleLimitError(maxCycles);
}

/** E on a resolved pipeline, with how it got there. */
export function runEventDetailed(p: ResolvedPipeline, options?: EventOptions): EventDetail {
  const detail = new EventPipeline(p).run(options?.periodic ?? true);
  checkLimit(detail.result, cycleLimit(p, options));
  return detail;
}

export function runEventResolved(p: ResolvedPipeline, options?: EventOptions): PipelineResult {
  return runEventDetailed(p, options).result;
}

/** E: validate the spec and compute its timing event by event. */
export function runEvent(spec: PipelineSpec, options?: EventOptions): PipelineResult {
  return runEventResolved(resolvePipeline(spec), options);
}
