/**
 * A toy machine built from honest components, for testing the runners and the Component contract.
 *
 *   Producer ──Fifo(capacity Q, latency L, bandwidth B)──► ClockDivider(r){ Consumer } ──► Sleeper
 *
 * - Producer: every `period` base cycles releases a burst of up to `burst` items; pushes pending
 *   items as fast as the FIFO accepts them (capacity and per-cycle bandwidth); owns the FIFO's tick().
 * - Consumer (in a clock domain `ratio` times slower): takes one item every `period` of its own
 *   cycles once the item is visible; keeps an order-sensitive checksum of the values.
 * - Sleeper: idle (nextActivity = Infinity) until the consumer has finished another `batch` items,
 *   then busy for `jobCycles` cycles.
 *
 * Every component implements nextActivity()/advance() so that advance(n) ≡ n × step() for
 * n ≤ nextActivity(), and asserts that it is never advanced further (ContractError).
 */
import { ClockDivider } from '../../src/engine/clock.js';
import type { ActionCounts, Component } from '../../src/engine/component.js';
import { Fifo } from '../../src/engine/fifo.js';

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/** Throw unless `n` is a legal argument of `c.advance` right now. */
export function checkAdvance(c: Component, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new ContractError(`${c.id}.advance(${n}): not a non-negative integer`);
  const a = c.nextActivity();
  if (n > a) throw new ContractError(`${c.id}.advance(${n}) beyond nextActivity() = ${a}`);
}

/** The value of the i-th item produced (deterministic, not monotonic). */
export function itemValue(i: number): number {
  return (i * 7919 + 13) % 1009;
}

export class Producer implements Component {
  readonly id = 'producer';
  private now = 0;
  private released = 0;
  private pending = 0;
  private nextRelease = 0;
  private seq = 0;
  private waitCycles = 0;
  private stallCycles = 0;
  private bandwidthLimitedCycles = 0;
  private idleCycles = 0;
  private pushCycles = 0;

  constructor(
    private readonly out: Fifo,
    private readonly period: number,
    private readonly burst: number,
    private readonly total: number,
  ) {}

  reset(): void {
    this.now = 0;
    this.released = 0;
    this.pending = 0;
    this.nextRelease = 0;
    this.seq = 0;
    this.waitCycles = 0;
    this.stallCycles = 0;
    this.bandwidthLimitedCycles = 0;
    this.idleCycles = 0;
    this.pushCycles = 0;
  }

  /** All items released and pushed. */
  get finished(): boolean {
    return this.released === this.total && this.pending === 0;
  }

  step(): void {
    this.out.tick();
    if (this.released < this.total && this.now === this.nextRelease) {
      const k = Math.min(this.burst, this.total - this.released);
      this.released += k;
      this.pending += k;
      this.nextRelease += this.period;
    }
    let pushed = 0;
    while (this.pending > 0 && this.out.canPush()) {
      this.out.push(itemValue(this.seq++), this.now);
      this.pending--;
      pushed++;
    }
    if (pushed > 0) {
      this.pushCycles++;
      if (this.pending > 0 && this.out.occupancy < this.out.capacity) this.bandwidthLimitedCycles++;
    } else if (this.pending > 0) {
      this.stallCycles++;
      this.out.fullCycles++;
    } else if (this.released < this.total) {
      this.waitCycles++;
    } else {
      this.idleCycles++;
    }
    this.now++;
  }

  nextActivity(): number {
    const untilRelease = this.released < this.total ? this.nextRelease - this.now : Infinity;
    if (this.pending > 0) {
      // capacity, not canPush(): the bandwidth budget is reset by the tick() at the start of step()
      if (this.out.occupancy < this.out.capacity) return 0;
      return untilRelease; // blocked on a full FIFO: steady until the consumer pops (its own event)
    }
    return untilRelease;
  }

  advance(n: number): void {
    checkAdvance(this, n);
    if (this.pending > 0) {
      this.stallCycles += n;
      this.out.fullCycles += n;
    } else if (this.released < this.total) {
      this.waitCycles += n;
    } else {
      this.idleCycles += n;
    }
    this.now += n;
  }

  counts(): ActionCounts {
    return {
      'producer.push': this.seq,
      'producer.pushCycles': this.pushCycles,
      'producer.wait': this.waitCycles,
      'producer.stall': this.stallCycles,
      'producer.bandwidthLimited': this.bandwidthLimitedCycles,
      'producer.idle': this.idleCycles,
    };
  }
}

/**
 * Runs in a domain `ratio` times slower than the base clock (placed inside a ClockDivider with the
 * same ratio): its k-th step (from 0) happens during base cycle (k + 1)·ratio − 1.
 */
export class Consumer implements Component {
  readonly id = 'consumer';
  private k = 0;
  private nextTake = 0;
  consumed = 0;
  checksum = 0;
  private waitCycles = 0;
  private starveCycles = 0;
  private idleCycles = 0;

  constructor(
    private readonly input: Fifo,
    private readonly period: number,
    private readonly total: number,
    private readonly ratio = 1,
  ) {}

  reset(): void {
    this.k = 0;
    this.nextTake = 0;
    this.consumed = 0;
    this.checksum = 0;
    this.waitCycles = 0;
    this.starveCycles = 0;
    this.idleCycles = 0;
  }

  private baseNow(k: number): number {
    return (k + 1) * this.ratio - 1;
  }

  step(): void {
    const now = this.baseNow(this.k);
    if (this.consumed >= this.total) this.idleCycles++;
    else if (this.k < this.nextTake) this.waitCycles++;
    else if (this.input.canPop(now)) {
      const v = this.input.pop(now);
      this.checksum = (this.checksum * 31 + v + 1) % 2147483647;
      this.consumed++;
      this.nextTake = this.k + this.period;
    } else {
      this.starveCycles++;
      this.input.emptyCycles++;
    }
    this.k++;
  }

  nextActivity(): number {
    if (this.consumed >= this.total) return Infinity;
    if (this.k < this.nextTake) return this.nextTake - this.k;
    const now = this.baseNow(this.k);
    const d = this.input.cyclesUntilVisible(now);
    if (d === 0) return 0;
    if (d === Infinity) return Infinity; // empty: idle until the producer pushes (its own event)
    // own steps j ≥ 0 that still see nothing: baseNow(k + j) < now + d
    return Math.ceil((now + d + 1) / this.ratio) - this.k - 1;
  }

  advance(n: number): void {
    checkAdvance(this, n);
    if (this.consumed >= this.total) this.idleCycles += n;
    else if (this.k < this.nextTake) this.waitCycles += n;
    else {
      this.starveCycles += n;
      this.input.emptyCycles += n;
    }
    this.k += n;
  }

  counts(): ActionCounts {
    return {
      'consumer.pop': this.consumed,
      'consumer.wait': this.waitCycles,
      'consumer.starve': this.starveCycles,
      'consumer.idle': this.idleCycles,
      'consumer.cycles': this.k,
    };
  }
}

/** Idle until `watch.consumed` crosses another multiple of `batch`; then busy for `jobCycles`. */
export class Sleeper implements Component {
  readonly id = 'sleeper';
  private jobs = 0;
  private busyLeft = 0;
  private busyCycles = 0;
  private idleCycles = 0;

  constructor(
    private readonly watch: { readonly consumed: number },
    private readonly batch: number,
    private readonly jobCycles: number,
  ) {}

  reset(): void {
    this.jobs = 0;
    this.busyLeft = 0;
    this.busyCycles = 0;
    this.idleCycles = 0;
  }

  private pending(): boolean {
    return Math.floor(this.watch.consumed / this.batch) > this.jobs;
  }

  get quiescent(): boolean {
    return this.busyLeft === 0 && !this.pending();
  }

  step(): void {
    if (this.busyLeft > 0) {
      this.busyLeft--;
      this.busyCycles++;
    } else if (this.pending()) {
      this.jobs++;
      this.busyLeft = this.jobCycles - 1;
      this.busyCycles++;
    } else {
      this.idleCycles++;
    }
  }

  nextActivity(): number {
    if (this.busyLeft > 0) return this.busyLeft;
    return this.pending() ? 0 : Infinity;
  }

  advance(n: number): void {
    checkAdvance(this, n);
    if (this.busyLeft > 0) {
      this.busyLeft -= n;
      this.busyCycles += n;
    } else {
      this.idleCycles += n;
    }
  }

  counts(): ActionCounts {
    return { 'sleeper.jobs': this.jobs, 'sleeper.busy': this.busyCycles, 'sleeper.idle': this.idleCycles };
  }
}

/** Counts how the runner drives a component, and checks every advance() against nextActivity(). */
export class Counted implements Component {
  readonly id: string;
  steps = 0;
  advances = 0;
  advancedCycles = 0;

  constructor(readonly inner: Component) {
    this.id = inner.id;
  }

  reset(): void {
    this.steps = 0;
    this.advances = 0;
    this.advancedCycles = 0;
    this.inner.reset();
  }

  step(): void {
    this.steps++;
    this.inner.step();
  }

  nextActivity(): number {
    return this.inner.nextActivity();
  }

  advance(n: number): void {
    checkAdvance(this.inner, n);
    this.advances++;
    this.advancedCycles += n;
    this.inner.advance(n);
  }

  counts(): ActionCounts {
    return this.inner.counts();
  }
}

export interface MachineParams {
  /** Producer: base cycles between bursts, items per burst, total items. */
  readonly p: number;
  readonly burst: number;
  readonly n: number;
  /** FIFO: capacity, latency, items accepted per cycle. */
  readonly Q: number;
  readonly L: number;
  readonly bandwidth: number;
  /** Consumer: own cycles between takes, clock ratio. */
  readonly q: number;
  readonly r: number;
  /** Sleeper: items per wake, busy cycles per job. */
  readonly batch: number;
  readonly job: number;
}

export interface Machine {
  readonly components: readonly Counted[];
  readonly fifo: Fifo;
  readonly producer: Producer;
  readonly consumer: Consumer;
  readonly sleeper: Sleeper;
  readonly done: () => boolean;
  /** Every action count of every component and the FIFO's statistics. */
  readonly snapshot: () => ActionCounts;
}

export function buildMachine(m: MachineParams): Machine {
  const fifo = new Fifo(m.Q, m.L, m.bandwidth);
  const producer = new Producer(fifo, m.p, m.burst, m.n);
  const consumer = new Consumer(fifo, m.q, m.n, m.r);
  const sleeper = new Sleeper(consumer, m.batch, m.job);
  const components = [
    new Counted(producer),
    new Counted(new ClockDivider(consumer, m.r)),
    new Counted(sleeper),
  ];
  return {
    components,
    fifo,
    producer,
    consumer,
    sleeper,
    done: () => consumer.consumed === m.n && sleeper.quiescent,
    snapshot: () => ({
      ...producer.counts(),
      ...consumer.counts(),
      ...sleeper.counts(),
      'fifo.pushes': fifo.pushes,
      'fifo.pops': fifo.pops,
      'fifo.maxOccupancy': fifo.maxOccupancy,
      'fifo.occupancy': fifo.occupancy,
      'fifo.fullCycles': fifo.fullCycles,
      'fifo.emptyCycles': fifo.emptyCycles,
      'consumer.checksum': consumer.checksum,
    }),
  };
}
