import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/engine/fifo.js';

describe('Fifo construction', () => {
  it('rejects a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) expect(() => new Fifo(bad)).toThrow(RangeError);
  });

  it('rejects a latency that is not a non-negative integer (an item would be visible before it is pushed)', () => {
    for (const bad of [-1, 0.5, NaN, Infinity]) expect(() => new Fifo(2, bad)).toThrow(RangeError);
  });

  it('rejects a bandwidth that is not a positive integer or Infinity (no item could ever enter)', () => {
    for (const bad of [0, -1, 0.5, NaN]) expect(() => new Fifo(2, 0, bad)).toThrow(RangeError);
    expect(new Fifo(2, 0, Infinity).bandwidthPerCycle).toBe(Infinity);
  });

  it('defaults: latency 0, unlimited bandwidth', () => {
    const f = new Fifo(3);
    expect(f.latencyCycles).toBe(0);
    expect(f.bandwidthPerCycle).toBe(Infinity);
    f.push(1, 0);
    f.push(2, 0);
    f.push(3, 0);
    expect(f.canPop(0)).toBe(true);
  });
});

describe('Fifo behaviour', () => {
  it('holds at most `capacity` items; push on full, pop and peek on empty throw', () => {
    const f = new Fifo(2);
    expect(() => f.pop(0)).toThrow();
    expect(() => f.peek()).toThrow();
    f.push(10, 0);
    f.push(20, 0);
    expect(f.occupancy).toBe(2);
    expect(f.canPush()).toBe(false);
    expect(() => {
      f.push(30, 0);
    }).toThrow();
    expect(f.occupancy).toBe(2);
    expect(f.pushes).toBe(2);
    expect(f.pop(0)).toBe(10);
    expect(f.canPush()).toBe(true);
    expect(f.peek()).toBe(20);
    expect(f.pop(0)).toBe(20);
    expect(() => f.pop(0)).toThrow();
    expect(f.pops).toBe(2);
  });

  it('an item pushed at t is visible at t + latency and not before', () => {
    for (let latency = 0; latency <= 8; latency++) {
      const f = new Fifo(4, latency);
      const t = 100;
      expect(f.cyclesUntilVisible(t)).toBe(Infinity);
      f.push(7, t);
      for (let now = t; now < t + latency; now++) {
        expect(f.canPop(now)).toBe(false);
        expect(f.cyclesUntilVisible(now)).toBe(t + latency - now);
        expect(() => f.pop(now)).toThrow();
      }
      expect(f.canPop(t + latency)).toBe(true);
      expect(f.cyclesUntilVisible(t + latency)).toBe(0);
      expect(f.cyclesUntilVisible(t + latency + 5)).toBe(0);
      expect(f.pop(t + latency)).toBe(7);
      expect(f.cyclesUntilVisible(t + latency)).toBe(Infinity);
    }
  });

  it('later items wait behind the head (in-order visibility)', () => {
    const f = new Fifo(4, 3);
    f.push(1, 0);
    f.push(2, 2);
    expect(f.canPop(3)).toBe(true);
    expect(f.pop(3)).toBe(1);
    expect(f.canPop(4)).toBe(false);
    expect(f.cyclesUntilVisible(4)).toBe(1);
    expect(f.pop(5)).toBe(2);
  });

  it('accepts at most bandwidthPerCycle items per cycle; tick() starts a new budget', () => {
    const f = new Fifo(10, 0, 3);
    for (let i = 0; i < 3; i++) f.push(i, 0);
    expect(f.canPush()).toBe(false);
    expect(() => {
      f.push(99, 0);
    }).toThrow();
    // popping frees space but not bandwidth
    f.pop(0);
    expect(f.canPush()).toBe(false);
    f.tick();
    expect(f.canPush()).toBe(true);
    for (let i = 0; i < 3; i++) f.push(i, 1);
    expect(f.canPush()).toBe(false);
    expect(f.occupancy).toBe(5);
  });

  it('maxOccupancy is the high-water mark; reset() clears every statistic and the contents', () => {
    const f = new Fifo(5, 1, 2);
    f.push(1, 0);
    f.push(2, 0);
    f.tick();
    f.push(3, 1);
    expect(f.maxOccupancy).toBe(3);
    f.pop(1);
    f.pop(1);
    expect(f.maxOccupancy).toBe(3);
    f.fullCycles = 4;
    f.emptyCycles = 9;
    f.push(4, 1);
    f.reset();
    expect(f.occupancy).toBe(0);
    expect(f.maxOccupancy).toBe(0);
    expect(f.pushes).toBe(0);
    expect(f.pops).toBe(0);
    expect(f.fullCycles).toBe(0);
    expect(f.emptyCycles).toBe(0);
    expect(f.canPush()).toBe(true); // the bandwidth budget is reset too
    expect(f.cyclesUntilVisible(0)).toBe(Infinity);
  });

  it('keeps order and timing across many ring wrap-arounds', () => {
    const capacity = 3;
    const latency = 2;
    const f = new Fifo(capacity, latency, 1);
    let nextIn = 0;
    let nextOut = 0;
    const pushedAt = new Map<number, number>();
    for (let now = 0; now < 30_000; now++) {
      f.tick();
      // push every cycle if there is room; pop every other cycle, when visible
      if (f.canPush()) {
        pushedAt.set(nextIn, now);
        f.push(nextIn++, now);
      }
      if (now % 2 === 1 && f.canPop(now)) {
        const v = f.pop(now);
        expect(v).toBe(nextOut++);
        expect(now - (pushedAt.get(v) ?? Infinity)).toBeGreaterThanOrEqual(latency);
        pushedAt.delete(v);
      }
    }
    expect(nextOut).toBeGreaterThan(14_000);
    expect(f.maxOccupancy).toBe(capacity);
    expect(f.pushes - f.pops).toBe(f.occupancy);
  });
});

type Op =
  | { readonly kind: 'push'; readonly value: number }
  | { readonly kind: 'pop' }
  | { readonly kind: 'tick'; readonly cycles: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: -1000, max: 1000 }).map((value) => ({ kind: 'push' as const, value })),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'pop' as const }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 4 }).map((cycles) => ({ kind: 'tick' as const, cycles })),
  },
);

/** The reference: a plain array of (value, pushed-at) and the rules spelled out. */
class ModelFifo {
  readonly items: { value: number; at: number }[] = [];
  pushedThisCycle = 0;
  maxOccupancy = 0;
  pushes = 0;
  pops = 0;

  constructor(
    readonly capacity: number,
    readonly latency: number,
    readonly bandwidth: number,
  ) {}

  canPush(): boolean {
    return this.items.length < this.capacity && this.pushedThisCycle < this.bandwidth;
  }

  canPop(now: number): boolean {
    const head = this.items[0];
    return head !== undefined && head.at + this.latency <= now;
  }

  untilVisible(now: number): number {
    const head = this.items[0];
    return head === undefined ? Infinity : Math.max(0, head.at + this.latency - now);
  }
}

describe('Fifo against a plain-array model', () => {
  it('agrees on every push/pop/tick sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom(1, 2, 3, Infinity),
        fc.array(op, { maxLength: 300 }),
        (capacity, latency, bandwidth, ops) => {
          const f = new Fifo(capacity, latency, bandwidth);
          const m = new ModelFifo(capacity, latency, bandwidth);
          let now = 0;
          for (const o of ops) {
            if (o.kind === 'push') {
              if (m.canPush()) {
                f.push(o.value, now);
                m.items.push({ value: o.value, at: now });
                m.pushedThisCycle++;
                m.pushes++;
                m.maxOccupancy = Math.max(m.maxOccupancy, m.items.length);
              } else {
                expect(() => {
                  f.push(o.value, now);
                }).toThrow();
              }
            } else if (o.kind === 'pop') {
              if (m.canPop(now)) {
                expect(f.peek()).toBe(m.items[0]?.value);
                expect(f.pop(now)).toBe(m.items.shift()?.value);
                m.pops++;
              } else {
                expect(() => f.pop(now)).toThrow();
              }
            } else {
              now += o.cycles;
              f.tick();
              m.pushedThisCycle = 0;
            }
            expect(f.occupancy).toBe(m.items.length);
            expect(f.canPush()).toBe(m.canPush());
            expect(f.canPop(now)).toBe(m.canPop(now));
            expect(f.cyclesUntilVisible(now)).toBe(m.untilVisible(now));
            expect(f.maxOccupancy).toBe(m.maxOccupancy);
            expect(f.pushes).toBe(m.pushes);
            expect(f.pops).toBe(m.pops);
            if (m.items.length > 0) expect(f.peek()).toBe(m.items[0]?.value);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
