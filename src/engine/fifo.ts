/**
 * A bounded FIFO link with latency and bandwidth, backed by preallocated ring buffers (no
 * allocation after construction). An item pushed at cycle t becomes visible to the consumer at
 * t + latencyCycles. At most `bandwidthPerCycle` items are accepted per cycle (the producer sees
 * `canPush()` false after that until `tick()` starts a new cycle).
 */
export class Fifo {
  readonly capacity: number;
  readonly latencyCycles: number;
  readonly bandwidthPerCycle: number;
  private readonly values: Float64Array;
  private readonly readyAt: Float64Array;
  private head = 0;
  private size = 0;
  private pushedThisCycle = 0;
  /** Highest occupancy seen (for FIFO sizing). */
  maxOccupancy = 0;
  pushes = 0;
  pops = 0;
  /** Cycles a producer found the FIFO full / a consumer found it empty (counted by callers). */
  fullCycles = 0;
  emptyCycles = 0;

  constructor(capacity: number, latencyCycles = 0, bandwidthPerCycle = Infinity) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`FIFO capacity ${capacity} must be a positive integer`);
    if (!Number.isInteger(latencyCycles) || latencyCycles < 0)
      throw new RangeError(`FIFO latency ${latencyCycles} must be a non-negative integer`);
    if (!(bandwidthPerCycle === Infinity || (Number.isInteger(bandwidthPerCycle) && bandwidthPerCycle >= 1)))
      throw new RangeError(`FIFO bandwidth ${bandwidthPerCycle} must be a positive integer or Infinity`);
    this.capacity = capacity;
    this.latencyCycles = latencyCycles;
    this.bandwidthPerCycle = bandwidthPerCycle;
    this.values = new Float64Array(capacity);
    this.readyAt = new Float64Array(capacity);
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.pushedThisCycle = 0;
    this.maxOccupancy = 0;
    this.pushes = 0;
    this.pops = 0;
    this.fullCycles = 0;
    this.emptyCycles = 0;
  }

  /** Start a new cycle (resets the per-cycle bandwidth budget). */
  tick(): void {
    this.pushedThisCycle = 0;
  }

  get occupancy(): number {
    return this.size;
  }

  canPush(): boolean {
    return this.size < this.capacity && this.pushedThisCycle < this.bandwidthPerCycle;
  }

  push(value: number, now: number): void {
    if (!this.canPush()) throw new Error('Fifo.push on a full FIFO');
    const tail = (this.head + this.size) % this.capacity;
    this.values[tail] = value;
    this.readyAt[tail] = now + this.latencyCycles;
    this.size++;
    this.pushes++;
    this.pushedThisCycle++;
    if (this.size > this.maxOccupancy) this.maxOccupancy = this.size;
  }

  /** Is the oldest item visible at cycle `now`? */
  canPop(now: number): boolean {
    return this.size > 0 && (this.readyAt[this.head] ?? Infinity) <= now;
  }

  peek(): number {
    if (this.size === 0) throw new Error('Fifo.peek on an empty FIFO');
    return this.values[this.head] ?? 0;
  }

  pop(now: number): number {
    if (!this.canPop(now)) throw new Error('Fifo.pop with nothing visible');
    const v = this.values[this.head] ?? 0;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    this.pops++;
    return v;
  }

  /** Cycles from `now` until the oldest item is visible (0 if visible, Infinity if empty). */
  cyclesUntilVisible(now: number): number {
    if (this.size === 0) return Infinity;
    return Math.max(0, (this.readyAt[this.head] ?? now) - now);
  }
}
