import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionCounts, Component } from '../../src/engine/component.js';
import { addCounts, sortedCounts } from '../../src/engine/component.js';
import { Fifo } from '../../src/engine/fifo.js';
import { CycleLimitError, runEvents, runStepper } from '../../src/engine/runner.js';
import { buildMachine, checkAdvance, Consumer, Counted, type MachineParams, Producer } from './machine.js';

const NO_HORIZON = (): number => Infinity;

const machineParams: fc.Arbitrary<MachineParams> = fc.record({
  p: fc.integer({ min: 1, max: 24 }),
  burst: fc.integer({ min: 1, max: 4 }),
  n: fc.integer({ min: 0, max: 40 }),
  Q: fc.integer({ min: 1, max: 6 }),
  L: fc.integer({ min: 0, max: 12 }),
  bandwidth: fc.constantFrom(1, 2, 3, Infinity),
  q: fc.integer({ min: 1, max: 12 }),
  r: fc.integer({ min: 1, max: 5 }),
  batch: fc.integer({ min: 1, max: 6 }),
  job: fc.integer({ min: 1, max: 40 }),
});

interface RunOutcome {
  readonly cycles: number;
  readonly counts: ActionCounts;
  readonly stepCalls: number;
  readonly steppedCycles: number;
}

function runBoth(m: MachineParams, maxCycles = 1e6): { readonly r: RunOutcome; readonly e: RunOutcome } {
  const a = buildMachine(m);
  const rc = runStepper(a.components, a.done, { maxCycles });
  const b = buildMachine(m);
  const ec = runEvents(b.components, b.done, NO_HORIZON, { maxCycles });
  const outcome = (x: typeof a, cycles: number): RunOutcome => ({
    cycles,
    counts: x.snapshot(),
    stepCalls: x.components.reduce((s, c) => s + c.steps, 0),
    steppedCycles: x.components[0]!.steps,
  });
  return { r: outcome(a, rc), e: outcome(b, ec) };
}

describe('runStepper ≡ runEvents on a toy machine (producer → FIFO → divided consumer → sleeper)', () => {
  it('end at the same cycle with identical counts, for random machines', () => {
    fc.assert(
      fc.property(machineParams, (m) => {
        const { r, e } = runBoth(m);
        expect(e.cycles).toBe(r.cycles);
        expect(e.counts).toEqual(r.counts);
        expect(r.counts['consumer.pop']).toBe(m.n);
        expect(r.counts['fifo.pushes']).toBe(m.n);
        expect(r.counts['fifo.maxOccupancy']).toBeLessThanOrEqual(m.Q);
      }),
      { numRuns: 300 },
    );
  });

  it('the event runner steps only on cycles where some component acts', () => {
    fc.assert(
      fc.property(machineParams, (m) => {
        const { r, e } = runBoth(m);
        // a cycle is stepped only if a burst is released, an item is pushed or popped, or a job starts
        const activeBound = Math.ceil(m.n / m.burst) + m.n + m.n + Math.floor(m.n / m.batch);
        expect(e.steppedCycles).toBeLessThanOrEqual(activeBound);
        expect(r.steppedCycles).toBe(r.cycles);
        expect(r.stepCalls).toBe(3 * r.cycles);
      }),
      { numRuns: 200 },
    );
  });

  it('calls step() far fewer times on a mostly steady machine', () => {
    const m: MachineParams = {
      p: 50,
      burst: 1,
      n: 30,
      Q: 4,
      L: 7,
      bandwidth: 1,
      q: 20,
      r: 3,
      batch: 5,
      job: 25,
    };
    const { r, e } = runBoth(m);
    expect(e.cycles).toBe(r.cycles);
    expect(e.counts).toEqual(r.counts);
    expect(r.cycles).toBeGreaterThan(29 * 50);
    expect(e.stepCalls * 20).toBeLessThan(r.stepCalls);
  });

  it('reset() makes a machine run again to the same result', () => {
    const m: MachineParams = {
      p: 3,
      burst: 2,
      n: 17,
      Q: 2,
      L: 4,
      bandwidth: 1,
      q: 2,
      r: 2,
      batch: 4,
      job: 9,
    };
    const x = buildMachine(m);
    const first = runEvents(x.components, x.done, NO_HORIZON, { maxCycles: 1e5 });
    const c1 = x.snapshot();
    x.fifo.reset();
    for (const c of x.components) c.reset();
    const second = runStepper(x.components, x.done, { maxCycles: 1e5 });
    expect(second).toBe(first);
    expect(x.snapshot()).toEqual(c1);
  });
});

/** A component that does nothing for ever, but counts the cycles it is told about. */
class Idle implements Component {
  readonly id = 'idle';
  cycles = 0;
  reset(): void {
    this.cycles = 0;
  }
  step(): void {
    this.cycles++;
  }
  nextActivity(): number {
    return Infinity;
  }
  advance(n: number): void {
    checkAdvance(this, n);
    this.cycles += n;
  }
  counts(): ActionCounts {
    return { 'idle.cycles': this.cycles };
  }
}

/** Steady in stretches of `stretch` cycles; finishes after `length` cycles. */
class Stretchy implements Component {
  readonly id = 'stretchy';
  now = 0;
  constructor(
    private readonly stretch: number,
    private readonly length: number,
  ) {}
  reset(): void {
    this.now = 0;
  }
  step(): void {
    this.now++;
  }
  nextActivity(): number {
    if (this.now >= this.length) return Infinity;
    const r = this.stretch - (this.now % this.stretch);
    return Math.min(r, this.length - this.now);
  }
  advance(n: number): void {
    checkAdvance(this, n);
    this.now += n;
  }
  counts(): ActionCounts {
    return { 'stretchy.cycles': this.now };
  }
}

/** Throws once step() has been called more than `limit` times: turns a hang into a failure. */
class HangGuard extends Counted {
  constructor(
    inner: Component,
    private readonly limit: number,
  ) {
    super(inner);
  }
  override step(): void {
    if (this.steps >= this.limit) throw new Error(`${this.id}: step() called more than ${this.limit} times`);
    super.step();
  }
}

function limitError(f: () => unknown): CycleLimitError {
  try {
    f();
  } catch (e) {
    if (e instanceof CycleLimitError) return e;
    throw e;
  }
  throw new Error('expected a CycleLimitError');
}

describe('cycle limit (hang guard)', () => {
  /** Producer → FIFO A (nobody pops); consumer ← FIFO B (nobody pushes). */
  function deadlocked(guardSteps = Infinity): { components: Component[]; done: () => boolean } {
    const a = new Fifo(3, 2);
    const b = new Fifo(3, 2);
    const producer = new Producer(a, 2, 1, 10);
    const consumer = new Consumer(b, 1, 1);
    return {
      components: [new HangGuard(producer, guardSteps), new HangGuard(consumer, guardSteps)],
      done: () => consumer.consumed === 1,
    };
  }

  it('a deadlocked machine throws CycleLimitError from both runners', () => {
    const r = deadlocked();
    expect(limitError(() => runStepper(r.components, r.done, { maxCycles: 5000 })).cycles).toBe(5000);
    const e = deadlocked();
    expect(limitError(() => runEvents(e.components, e.done, NO_HORIZON, { maxCycles: 5000 })).cycles).toBe(
      5000,
    );
  });

  it('the event runner reaches a huge limit on a deadlock without stepping through it', () => {
    // every component idle (Infinity) and nothing left to happen: E jumps to the limit
    const e = deadlocked(100);
    const err = limitError(() => runEvents(e.components, e.done, NO_HORIZON, { maxCycles: 1e12 }));
    expect(err.cycles).toBe(1e12);
    const idle = new HangGuard(new Idle(), 10);
    expect(limitError(() => runEvents([idle], () => false, NO_HORIZON, { maxCycles: 1e15 })).cycles).toBe(
      1e15,
    );
    expect(idle.inner.counts()).toEqual({ 'idle.cycles': 1e15 });
  });

  it('the event runner never jumps past the limit (it throws where the stepper throws)', () => {
    // steady for 100 cycles at a time, never done: R throws at 50; E must not jump to 100
    const mk = (): Component[] => [new Counted(new Stretchy(100, 1e9))];
    const rErr = limitError(() => runStepper(mk(), () => false, { maxCycles: 50 }));
    const eErr = limitError(() => runEvents(mk(), () => false, NO_HORIZON, { maxCycles: 50 }));
    expect(rErr.cycles).toBe(50);
    expect(eErr.cycles).toBe(50);
  });

  it('a machine that finishes past the limit fails on both runners, one that finishes at it passes on both', () => {
    for (const finish of [49, 50, 51, 60, 1000]) {
      for (const stretch of [1, 7, 60, 5000]) {
        const s1 = new Stretchy(stretch, finish);
        const s2 = new Stretchy(stretch, finish);
        const done1 = (): boolean => s1.now >= finish;
        const done2 = (): boolean => s2.now >= finish;
        const limits = { maxCycles: 50 };
        if (finish <= 50) {
          expect(runStepper([s1], done1, limits)).toBe(finish);
          expect(runEvents([s2], done2, NO_HORIZON, limits)).toBe(finish);
        } else {
          expect(limitError(() => runStepper([s1], done1, limits)).cycles).toBe(50);
          expect(limitError(() => runEvents([s2], done2, NO_HORIZON, limits)).cycles).toBe(50);
        }
      }
    }
  });

  it('maxCycles 0 throws at once unless already done', () => {
    expect(runStepper([new Idle()], () => true, { maxCycles: 0 })).toBe(0);
    expect(runEvents([new Idle()], () => true, NO_HORIZON, { maxCycles: 0 })).toBe(0);
    expect(limitError(() => runStepper([new Idle()], () => false, { maxCycles: 0 })).cycles).toBe(0);
    expect(limitError(() => runEvents([new Idle()], () => false, NO_HORIZON, { maxCycles: 0 })).cycles).toBe(
      0,
    );
  });

  it('CycleLimitError is an Error with its name and cycle count', () => {
    const err = new CycleLimitError(7);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('CycleLimitError');
    expect(err.cycles).toBe(7);
    expect(err.message).toContain('7');
  });
});

describe('runEvents horizon', () => {
  it('done() that depends on time alone is observed at the exact cycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 300 }), (target, stretch) => {
        const idle = new Counted(new Idle());
        const clock = new Stretchy(stretch, 1e9);
        const done = (): boolean => clock.now >= target;
        const cycles = runEvents([idle, clock], done, () => target - clock.now, { maxCycles: 1e6 });
        expect(cycles).toBe(target);
        expect(clock.now).toBe(target);
        expect(idle.inner.counts()).toEqual({ 'idle.cycles': target });
        expect(idle.steps).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('a fractional horizon bounds the jump to whole cycles', () => {
    const idle = new Counted(new Idle());
    let now = 0;
    const tick: Component = {
      id: 'tick',
      reset: () => undefined,
      step: () => {
        now++;
      },
      nextActivity: () => Infinity,
      advance: (n: number) => {
        now += n;
      },
      counts: () => ({}),
    };
    const cycles = runEvents(
      [idle, tick],
      () => now >= 10,
      () => (10 - now) / 4,
      { maxCycles: 100 },
    );
    expect(cycles).toBe(10);
  });

  it('no components: the stepper counts cycles until done', () => {
    let calls = 0;
    expect(runStepper([], () => ++calls > 5, { maxCycles: 100 })).toBe(5);
  });
});

describe('ActionCounts helpers', () => {
  it('addCounts sums equal keys and keeps the others', () => {
    const into: ActionCounts = { a: 1, b: 2 };
    expect(addCounts(into, { b: 3, c: 4 })).toBe(into);
    expect(into).toEqual({ a: 1, b: 5, c: 4 });
  });

  it('sortedCounts orders keys and keeps zeros, so equal counts are equal JSON', () => {
    const a = sortedCounts({ z: 0, a: 2, m: 1 });
    const b = sortedCounts({ m: 1, z: 0, a: 2 });
    expect(Object.keys(a)).toEqual(['a', 'm', 'z']);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
