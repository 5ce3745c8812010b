import type { ActionCounts, Component } from './component.js';

/**
 * A component in its own clock domain: it runs `ratio` times slower than the base clock the
 * runner steps (an integer divider; e.g. a 250 MHz DMA beside a 1 GHz array has ratio 4). Its
 * steps happen on base cycles where (phase + cycle) mod ratio == ratio − 1.
 */
export class ClockDivider implements Component {
  readonly id: string;
  private phase = 0;

  constructor(
    readonly inner: Component,
    readonly ratio: number,
  ) {
    if (!Number.isInteger(ratio) || ratio < 1)
      throw new RangeError(`clock ratio ${ratio} must be a positive integer`);
    this.id = inner.id;
  }

  reset(): void {
    this.phase = 0;
    this.inner.reset();
  }

  step(): void {
    this.phase++;
    if (this.phase === this.ratio) {
      this.phase = 0;
      this.inner.step();
    }
  }

  nextActivity(): number {
    const innerSteady = this.inner.nextActivity();
    if (innerSteady === Infinity) return Infinity;
    // base cycles covered by `innerSteady` inner cycles, plus the ones before the next inner edge
    return this.ratio - 1 - this.phase + innerSteady * this.ratio;
  }

  advance(n: number): void {
    const total = this.phase + n;
    const innerSteps = Math.floor(total / this.ratio);
    this.phase = total % this.ratio;
    if (innerSteps > 0) this.inner.advance(innerSteps);
  }

  counts(): ActionCounts {
    return this.inner.counts();
  }
}
