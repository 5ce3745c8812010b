import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockDivider } from '../../src/engine/clock.js';
import type { ActionCounts, Component } from '../../src/engine/component.js';
import { checkAdvance, ContractError } from './machine.js';

/**
 * An inner component with a fixed script: it "acts" on its own cycles listed in `events` (sorted)
 * and is steady in between; idle (Infinity) after the last one. It records the cycles it acted on.
 */
class Scripted implements Component {
  readonly id = 'scripted';
  now = 0;
  steps = 0;
  private next = 0;
  readonly acted: number[] = [];

  constructor(private readonly events: readonly number[]) {}

  reset(): void {
    this.now = 0;
    this.steps = 0;
    this.next = 0;
    this.acted.length = 0;
  }

  step(): void {
    this.steps++;
    if (this.events[this.next] === this.now) {
      this.acted.push(this.now);
      this.next++;
    }
    this.now++;
  }

  nextActivity(): number {
    const e = this.events[this.next];
    return e === undefined ? Infinity : e - this.now;
  }

  advance(n: number): void {
    checkAdvance(this, n);
    this.now += n;
  }

  counts(): ActionCounts {
    return { 'scripted.cycles': this.now, 'scripted.acts': this.acted.length };
  }
}

const script = fc
  .uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 12 })
  .map((xs) => [...xs].sort((a, b) => a - b));

describe('ClockDivider', () => {
  it('rejects a ratio that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => new ClockDivider(new Scripted([]), bad)).toThrow(RangeError);
    }
  });

  it('ratio 1 is the identity', () => {
    const inner = new Scripted([0, 3]);
    const d = new ClockDivider(inner, 1);
    expect(d.id).toBe('scripted');
    expect(d.nextActivity()).toBe(0);
    d.step();
    expect(d.nextActivity()).toBe(2);
    d.advance(2);
    d.step();
    expect(inner.acted).toEqual([0, 3]);
    expect(d.nextActivity()).toBe(Infinity);
  });

  it('inner steps on base cycles r−1, 2r−1, …', () => {
    const inner = new Scripted([]);
    const d = new ClockDivider(inner, 4);
    const edges: number[] = [];
    for (let c = 0; c < 20; c++) {
      const before = inner.steps;
      d.step();
      if (inner.steps > before) edges.push(c);
    }
    expect(edges).toEqual([3, 7, 11, 15, 19]);
  });

  it('over n base cycles from phase φ the inner clock advances floor((φ + n)/r) cycles, by step or by advance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 500 }),
        (r, warm, n) => {
          const phase = warm % r;
          const a = new Scripted([]);
          const b = new Scripted([]);
          const da = new ClockDivider(a, r);
          const db = new ClockDivider(b, r);
          for (let i = 0; i < warm; i++) {
            da.step();
            db.step();
          }
          const a0 = a.now;
          const b0 = b.now;
          for (let i = 0; i < n; i++) da.step();
          db.advance(n);
          expect(a.now - a0).toBe(Math.floor((phase + n) / r));
          expect(b.now - b0).toBe(Math.floor((phase + n) / r));
          expect(a.steps - a0).toBe(a.now - a0);
          // same phase afterwards: the next edge comes at the same base cycle
          expect(da.nextActivity()).toBe(db.nextActivity());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('advance(k) ≡ k × step() for k ≤ nextActivity(), under random step/advance sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        script,
        fc.array(fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 120 }),
        (r, events, ops) => {
          const ref = new Scripted(events);
          const fast = new Scripted(events);
          const dRef = new ClockDivider(ref, r);
          const dFast = new ClockDivider(fast, r);
          let base = 0;
          for (const op of ops) {
            let k: number;
            if (op === -1) {
              k = 1;
              dFast.step();
            } else {
              const na = dFast.nextActivity();
              // a fraction of the legal jump (bounded when idle)
              k = Math.floor(op * (Number.isFinite(na) ? na : 50));
              dFast.advance(k);
            }
            for (let i = 0; i < k; i++) dRef.step();
            base += k;
            expect(fast.now).toBe(ref.now);
            expect(fast.acted).toEqual(ref.acted);
            expect(dFast.nextActivity()).toBe(dRef.nextActivity());
          }
          expect(ref.now).toBe(Math.floor(base / r));
          expect(dFast.counts()).toEqual(dRef.counts());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('nextActivity() is exact: one base cycle more would advance the inner past its own nextActivity()', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        script,
        fc.integer({ min: 0, max: 40 }),
        (r, events, warm) => {
          fc.pre(events.length > 0);
          const d = new ClockDivider(new Scripted(events), r);
          for (let i = 0; i < warm; i++) d.step();
          const na = d.nextActivity();
          fc.pre(Number.isFinite(na));
          expect(() => {
            d.advance(na + 1);
          }).toThrow(ContractError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an idle inner (Infinity) makes the divider idle; a huge advance keeps the phase arithmetic exact', () => {
    const inner = new Scripted([]);
    const d = new ClockDivider(inner, 3);
    d.step(); // phase 1
    expect(d.nextActivity()).toBe(Infinity);
    d.advance(3 * 1e12 + 1); // phase 1 + 3e12 + 1 = 3·(1e12) + 2
    expect(inner.now).toBe(1e12);
    d.step();
    expect(inner.now).toBe(1e12 + 1); // phase 2 → edge
  });

  it('reset() returns the phase and the inner component to cycle 0', () => {
    const inner = new Scripted([2]);
    const d = new ClockDivider(inner, 5);
    for (let i = 0; i < 13; i++) d.step();
    d.reset();
    expect(inner.now).toBe(0);
    expect(inner.acted).toEqual([]);
    // steady for (5 − 1 − 0) + 2·5 base cycles: the inner acts on its cycle 2 = base cycle 14
    expect(d.nextActivity()).toBe(14);
    expect(d.counts()).toEqual(inner.counts());
  });
});
