import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/engine/event-queue.js';

/** Drain a queue into [time, id] pairs. */
function drain(q: EventQueue): [number, number][] {
  const out: [number, number][] = [];
  while (q.size > 0) {
    const t = q.peekTime();
    out.push([t, q.pop()]);
  }
  return out;
}

type QOp = { readonly kind: 'push'; readonly time: number; readonly id: number } | { readonly kind: 'pop' };

const qop: fc.Arbitrary<QOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        // few distinct times so that ties are common; some fractional and huge times
        time: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(0.5, 2.25, 1e15, -3)),
        id: fc.integer({ min: 0, max: 1_000_000 }),
      })
      .map((r) => ({ kind: 'push' as const, ...r })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'pop' as const }) },
);

describe('EventQueue', () => {
  it('empty: size 0, peekTime Infinity, pop −1', () => {
    const q = new EventQueue();
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBe(-1);
    expect(q.size).toBe(0);
  });

  it('pops in (time, insertion) order: fast-check against a stable sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1e6 })), {
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 8 }),
        (events, cap) => {
          const q = new EventQueue(cap);
          for (const [t, id] of events) q.push(t, id);
          expect(q.size).toBe(events.length);
          // Array.prototype.sort is stable: equal times keep insertion order
          const expected = [...events].sort((a, b) => a[0] - b[0]);
          expect(drain(q)).toEqual(expected);
          expect(q.pop()).toBe(-1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('interleaved pushes and pops agree with a reference list', () => {
    fc.assert(
      fc.property(fc.array(qop, { maxLength: 400 }), fc.integer({ min: 1, max: 4 }), (ops, cap) => {
        const q = new EventQueue(cap);
        const ref: { time: number; seq: number; id: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            q.push(o.time, o.id);
            ref.push({ time: o.time, seq: seq++, id: o.id });
          } else {
            let best = -1;
            for (let i = 0; i < ref.length; i++) {
              const a = ref[i]!;
              const b = best < 0 ? undefined : ref[best]!;
              if (b === undefined || a.time < b.time || (a.time === b.time && a.seq < b.seq)) best = i;
            }
            const expectedTime = best < 0 ? Infinity : ref[best]!.time;
            expect(q.peekTime()).toBe(expectedTime);
            const expectedId = best < 0 ? -1 : ref.splice(best, 1)[0]!.id;
            expect(q.pop()).toBe(expectedId);
          }
          expect(q.size).toBe(ref.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grows far beyond its initial capacity', () => {
    const q = new EventQueue(2);
    const n = 10_000;
    // reverse order with many ties: worst case for sift-up
    for (let i = 0; i < n; i++) q.push(Math.floor((n - i) / 3), i);
    expect(q.size).toBe(n);
    let lastTime = -Infinity;
    let lastId = -1;
    let count = 0;
    while (q.size > 0) {
      const t = q.peekTime();
      const id = q.pop();
      expect(t).toBeGreaterThanOrEqual(lastTime);
      if (t === lastTime) expect(id).toBeGreaterThan(lastId);
      lastTime = t;
      lastId = id;
      count++;
    }
    expect(count).toBe(n);
  });

  it('works from an initial capacity of 0 (or 1)', () => {
    for (const cap of [0, 1]) {
      const q = new EventQueue(cap);
      q.push(5, 50);
      q.push(3, 30);
      q.push(4, 40);
      expect(q.size).toBe(3);
      expect(drain(q)).toEqual([
        [3, 30],
        [4, 40],
        [5, 50],
      ]);
    }
  });

  it('rejects an initial capacity that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, NaN]) expect(() => new EventQueue(bad)).toThrow(RangeError);
  });

  it('clear() empties the queue and restarts the insertion order', () => {
    const q = new EventQueue(4);
    for (let i = 0; i < 9; i++) q.push(i % 3, i);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBe(-1);
    q.push(1, 100);
    q.push(0, 200);
    q.push(1, 300);
    q.push(0, 400);
    expect(drain(q)).toEqual([
      [0, 200],
      [0, 400],
      [1, 100],
      [1, 300],
    ]);
  });

  it('keeps ids exactly over the int32 range', () => {
    const q = new EventQueue(1);
    const ids = [0, 1, 2 ** 31 - 1, 123_456_789];
    ids.forEach((id, i) => {
      q.push(i, id);
    });
    expect(drain(q).map(([, id]) => id)).toEqual(ids);
  });

  it('rejects an id it could not give back (outside int32, fractional, or the empty sentinel −1)', () => {
    const q = new EventQueue(1);
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1.5, NaN, -1]) {
      expect(() => {
        q.push(0, bad);
      }).toThrow(RangeError);
    }
    expect(q.size).toBe(0);
  });
});
