import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestTrace, NO_TRACE, type TraceSink } from '../../src/engine/trace.js';

type Ev =
  | { readonly kind: 'value'; readonly cycle: number; readonly signal: string; readonly value: number }
  | {
      readonly kind: 'addresses';
      readonly cycle: number;
      readonly stream: string;
      readonly addrs: readonly number[];
    }
  | {
      readonly kind: 'span';
      readonly start: number;
      readonly end: number;
      readonly component: string;
      readonly name: string;
    };

function emit(sink: TraceSink, evs: readonly Ev[]): void {
  for (const e of evs) {
    if (e.kind === 'value') sink.value(e.cycle, e.signal, e.value);
    else if (e.kind === 'addresses') sink.addresses(e.cycle, e.stream, e.addrs);
    else sink.span(e.start, e.end, e.component, e.name);
  }
}

function digestOf(evs: readonly Ev[]): string {
  const d = new DigestTrace();
  emit(d, evs);
  expect(d.events).toBe(evs.length);
  return d.digest();
}

/** Numbers are equal for the trace when === (so 0 and −0 are) or both NaN. */
function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

const cycle = fc.integer({ min: 0, max: 2 ** 40 });
const text = fc.oneof(
  fc.constantFrom('pe.acc', 'sram.ifmap', 'a', 'b', 'ab', ''),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const num = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.double(),
  fc.constantFrom(0.5, -0.5, 2 ** 53, -1),
);
const addr = fc.integer({ min: -1, max: 2 ** 36 });

const ev: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ kind: fc.constant('value' as const), cycle, signal: text, value: num }),
  fc.record({
    kind: fc.constant('addresses' as const),
    cycle,
    stream: text,
    addrs: fc.array(addr, { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('span' as const), start: cycle, end: cycle, component: text, name: text }),
);

/** Events equal for the trace (the mutation below must produce a different one). */
function sameEvent(a: Ev, b: Ev): boolean {
  if (a.kind === 'value' && b.kind === 'value')
    return a.cycle === b.cycle && a.signal === b.signal && sameNumber(a.value, b.value);
  if (a.kind === 'addresses' && b.kind === 'addresses')
    return (
      a.cycle === b.cycle &&
      a.stream === b.stream &&
      a.addrs.length === b.addrs.length &&
      a.addrs.every((x, i) => x === b.addrs[i])
    );
  if (a.kind === 'span' && b.kind === 'span')
    return a.start === b.start && a.end === b.end && a.component === b.component && a.name === b.name;
  return false;
}

/** One random single change of an event: a field, or its kind. */
function mutateEvent(e: Ev, pick: number, n: number, s: string): Ev {
  switch (e.kind) {
    case 'value':
      switch (pick % 4) {
        case 0:
          return { ...e, cycle: e.cycle + 1 + (n & 0xff) };
        case 1:
          return { ...e, signal: e.signal + s + 'x' };
        case 2:
          return { ...e, value: n };
        default:
          return { kind: 'addresses', cycle: e.cycle, stream: e.signal, addrs: [e.value] };
      }
    case 'addresses':
      switch (pick % 4) {
        case 0:
          return { ...e, cycle: Math.max(0, e.cycle - 1 - (n & 0xff)) };
        case 1:
          return { ...e, stream: s + e.stream.slice(1) };
        case 2:
          return { ...e, addrs: e.addrs.length > 0 && pick % 8 < 4 ? e.addrs.slice(1) : [...e.addrs, n] };
        default:
          return { ...e, addrs: e.addrs.map((x, i) => (i === 0 ? x + 1 : x)) };
      }
    case 'span':
      switch (pick % 5) {
        case 0:
          return { ...e, start: e.start + 1 };
        case 1:
          return { ...e, end: Math.max(0, e.end - 1) };
        case 2:
          return { ...e, component: e.component + e.name.slice(0, 1), name: e.name.slice(1) };
        case 3:
          return { ...e, name: s };
        default:
          return { kind: 'value', cycle: e.start, signal: e.component, value: e.end };
      }
  }
}

describe('DigestTrace', () => {
  it('the same events give the same digest (16 hex digits)', () => {
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 20 }), (evs) => {
        const d = digestOf(evs);
        expect(d).toMatch(/^[0-9a-f]{16}$/);
        expect(digestOf(evs.map((e) => ({ ...e })))).toBe(d);
      }),
    );
  });

  it('any single changed cycle, value, signal, kind, split of strings or address list changes the digest', () => {
    fc.assert(
      fc.property(
        fc.array(ev, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        num,
        text,
        (evs, where, pick, n, s) => {
          const i = where % evs.length;
          const e = evs[i]!;
          const m = mutateEvent(e, pick, n, s);
          fc.pre(!sameEvent(e, m));
          const mutated = evs.map((x, j) => (j === i ? m : x));
          expect(digestOf(mutated)).not.toBe(digestOf(evs));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reordering, dropping or duplicating an event changes the digest', () => {
    fc.assert(
      fc.property(
        fc.array(ev, { minLength: 2, maxLength: 10 }),
        fc.nat(),
        fc.nat({ max: 2 }),
        (evs, where, how) => {
          const i = where % (evs.length - 1);
          const a = evs[i]!;
          const b = evs[i + 1]!;
          let changed: Ev[];
          if (how === 0) {
            fc.pre(!sameEvent(a, b));
            changed = [...evs.slice(0, i), b, a, ...evs.slice(i + 2)];
          } else if (how === 1) changed = evs.filter((_, j) => j !== i);
          else changed = [...evs.slice(0, i + 1), a, ...evs.slice(i + 1)];
          expect(digestOf(changed)).not.toBe(digestOf(evs));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('known collisions of a naive encoding are distinguished', () => {
    const pairs: [Ev[], Ev[]][] = [
      // fractional values
      [
        [{ kind: 'value', cycle: 1, signal: 's', value: 0.5 }],
        [{ kind: 'value', cycle: 1, signal: 's', value: 0 }],
      ],
      [
        [{ kind: 'value', cycle: 1, signal: 's', value: -0.5 }],
        [{ kind: 'value', cycle: 1, signal: 's', value: 0.5 }],
      ],
      // string boundaries
      [
        [{ kind: 'span', start: 0, end: 1, component: 'ab', name: '' }],
        [{ kind: 'span', start: 0, end: 1, component: 'a', name: 'b' }],
      ],
      // event kinds
      [
        [{ kind: 'value', cycle: 5, signal: 'x', value: 3 }],
        [{ kind: 'addresses', cycle: 5, stream: 'x', addrs: [3] }],
      ],
      // address list boundaries
      [
        [{ kind: 'addresses', cycle: 0, stream: 's', addrs: [1, 2, 9] }],
        [
          { kind: 'value', cycle: 0, signal: 's', value: 1 },
          { kind: 'value', cycle: 2, signal: '', value: 9 },
        ],
      ],
      // UTF-16 code units beyond one byte
      [
        [{ kind: 'value', cycle: 0, signal: '\u0100', value: 0 }],
        [{ kind: 'value', cycle: 0, signal: '\u0000', value: 0 }],
      ],
      [
        [{ kind: 'value', cycle: 0, signal: 'é', value: 0 }],
        [{ kind: 'value', cycle: 0, signal: 'Ʃ', value: 0 }],
      ],
    ];
    for (const [a, b] of pairs) expect(digestOf(a), JSON.stringify([a, b])).not.toBe(digestOf(b));
  });

  it('numbers equal as numbers trace the same: 0 and −0, every NaN', () => {
    const z = digestOf([{ kind: 'value', cycle: 0, signal: 'v', value: 0 }]);
    expect(digestOf([{ kind: 'value', cycle: 0, signal: 'v', value: -0 }])).toBe(z);
    const buf = new DataView(new ArrayBuffer(8));
    buf.setUint32(0, 0x7ff80000);
    buf.setUint32(4, 1);
    const otherNaN = buf.getFloat64(0);
    expect(digestOf([{ kind: 'value', cycle: 0, signal: 'v', value: otherNaN }])).toBe(
      digestOf([{ kind: 'value', cycle: 0, signal: 'v', value: NaN }]),
    );
  });

  it('is FNV-1a 64 of its documented byte encoding', () => {
    // reference: BigInt FNV-1a over the encoding described in trace.ts
    const bytes: number[] = [];
    const u32 = (x: number): void => {
      for (let i = 0; i < 4; i++) bytes.push((x >>> (8 * i)) & 0xff);
    };
    const f64 = (x: number): void => {
      const v = new DataView(new ArrayBuffer(8));
      v.setFloat64(0, x === 0 ? 0 : x, true);
      for (let i = 0; i < 8; i++) bytes.push(v.getUint8(i));
    };
    const str = (s: string): void => {
      u32(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        bytes.push(c & 0xff, c >>> 8);
      }
    };
    const d = new DigestTrace();
    d.value(12, 'pe.acc', -7.25);
    bytes.push(1);
    f64(12);
    str('pe.acc');
    f64(-7.25);
    d.addresses(3, 'ifmap', [4, -1, 2 ** 40]);
    bytes.push(2);
    f64(3);
    str('ifmap');
    u32(3);
    f64(4);
    f64(-1);
    f64(2 ** 40);
    d.span(10, 20, 'dma', 'load\u20ac');
    bytes.push(3);
    f64(10);
    f64(20);
    str('dma');
    str('load\u20ac');
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(d.digest()).toBe(h.toString(16).padStart(16, '0'));
    expect(d.events).toBe(3);
  });

  it('an empty trace has the FNV-1a 64 offset basis as its digest', () => {
    expect(new DigestTrace().digest()).toBe('cbf29ce484222325');
  });
});

describe('NO_TRACE', () => {
  it('is disabled and its methods are callable no-ops', () => {
    expect(NO_TRACE.enabled).toBe(false);
    expect(() => {
      NO_TRACE.value(0, 'x', 1);
      NO_TRACE.addresses(0, 'x', new Int32Array([1, 2]));
      NO_TRACE.span(0, 1, 'c', 'n');
    }).not.toThrow();
    // a shared singleton with no observable state
    expect(Object.keys(NO_TRACE)).toEqual(['enabled']);
  });
});
