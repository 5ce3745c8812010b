import type { Component } from './component.js';

/**
 * The two runners. Both drive a list of components until `done()`; the stepper steps every
 * component every cycle, the event runner jumps stretches in which every component is steady.
 * Components are stepped in list order within a cycle (producers before consumers where it matters).
 */
export interface RunLimits {
  /** Abort (throw) past this many cycles: a hang guard, never reached by a correct machine. */
  readonly maxCycles: number;
}

export class CycleLimitError extends Error {
  constructor(readonly cycles: number) {
    super(`simulation exceeded ${cycles} cycles without finishing (deadlock or runaway)`);
    this.name = 'CycleLimitError';
  }
}

/** R: every component steps every cycle. Returns the number of cycles run. */
export function runStepper(components: readonly Component[], done: () => boolean, limits: RunLimits): number {
  let cycle = 0;
  const n = components.length;
  while (!done()) {
    if (cycle >= limits.maxCycles) throw new CycleLimitError(cycle);
    for (let i = 0; i < n; i++) components[i]!.step();
    cycle++;
  }
  return cycle;
}

/**
 * E: while every component is steady for k ≥ 1 cycles, advance all by k at once; otherwise step
 * one cycle. Equivalent to the stepper when each component's advance(k) ≡ k × step().
 * `horizon()` bounds the jump so that `done()` is observed at the exact cycle it becomes true.
 * Jumps are whole cycles (a fractional bound is rounded down) and never pass `maxCycles`, so E
 * throws CycleLimitError exactly where R does; when every component is idle (Infinity) and the
 * horizon is unbounded, nothing can change any more and E jumps straight to the limit instead of
 * stepping to it one cycle at a time.
 */
export function runEvents(
  components: readonly Component[],
  done: () => boolean,
  horizon: () => number,
  limits: RunLimits,
): number {
  let cycle = 0;
  const n = components.length;
  // the stepper stops at the first whole cycle ≥ maxCycles
  const limit = Math.ceil(limits.maxCycles);
  while (!done()) {
    if (cycle >= limits.maxCycles) throw new CycleLimitError(cycle);
    let k = horizon();
    for (let i = 0; i < n && k > 0; i++) {
      const a = components[i]!.nextActivity();
      if (a < k) k = a;
    }
    k = Math.floor(k);
    if (k > limit - cycle) k = limit - cycle;
    if (k >= 1 && Number.isFinite(k)) {
      for (let i = 0; i < n; i++) components[i]!.advance(k);
      cycle += k;
    } else {
      for (let i = 0; i < n; i++) components[i]!.step();
      cycle++;
    }
  }
  return cycle;
}
