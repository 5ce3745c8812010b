/**
 * Trace sinks. Tracing off must cost one branch: components hold a TraceSink and test `enabled`
 * once per event, and NO_TRACE is a shared singleton whose `enabled` is false.
 */
export interface TraceSink {
  readonly enabled: boolean;
  /** A signal (component.signal) took `value` at `cycle`. */
  value(cycle: number, signal: string, value: number): void;
  /** A row of addresses on one stream at `cycle` (SCALE-Sim style; −1 = idle port). */
  addresses(cycle: number, stream: string, addrs: ArrayLike<number>): void;
  /** A span of activity [start, end) of a component (Perfetto-style). */
  span(start: number, end: number, component: string, name: string): void;
}

class NoTrace implements TraceSink {
  readonly enabled = false;
  value(): void {
    /* tracing off */
  }
  addresses(): void {
    /* tracing off */
  }
  span(): void {
    /* tracing off */
  }
}

export const NO_TRACE: TraceSink = new NoTrace();

/**
 * A running 64-bit FNV-1a digest of everything traced: two runs that trace the same events in the
 * same order have the same digest (used to prove R ≡ E on traces without storing them).
 *
 * The hashed byte encoding is unambiguous, so that different event sequences never collide by
 * construction: each event starts with its kind (1 value, 2 addresses, 3 span); every number is
 * its IEEE-754 double, little-endian (−0 as 0, every NaN as the canonical NaN: numbers equal as
 * numbers hash equal); a string is its length (u32 LE) then its UTF-16 code units (2 bytes LE);
 * an address row is its length (u32 LE) then its numbers.
 */
export class DigestTrace implements TraceSink {
  readonly enabled = true;
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;
  events = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  private num(n: number): void {
    const v = this.scratch;
    if (Number.isNaN(n)) {
      v.setUint32(0, 0, true); // the canonical quiet NaN 0x7ff8000000000000, whatever the payload
      v.setUint32(4, 0x7ff80000, true);
    } else {
      v.setFloat64(0, n === 0 ? 0 : n, true); // −0 → 0
    }
    for (let i = 0; i < 8; i++) this.byte(v.getUint8(i));
  }

  private u32(n: number): void {
    this.byte(n & 0xff);
    this.byte((n >>> 8) & 0xff);
    this.byte((n >>> 16) & 0xff);
    this.byte((n >>> 24) & 0xff);
  }

  private byte(b: number): void {
    // lo stays unsigned: a signed lo would make the carry into hi wrong
    const lo = (this.lo ^ b) >>> 0;
    const hi = this.hi;
    // multiply (hi,lo) by the FNV prime 0x100000001b3 = 2^40 + 0x1b3 modulo 2^64
    const pLo = 0x1b3;
    const loProd = lo * pLo; // < 2^41: exact
    const carry = Math.floor(loProd / 4294967296);
    this.lo = loProd >>> 0;
    this.hi = (Math.imul(hi, pLo) + carry + (lo << 8)) >>> 0;
  }

  private str(s: string): void {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c & 0xff);
      this.byte(c >>> 8);
    }
  }

  value(cycle: number, signal: string, value: number): void {
    this.events++;
    this.byte(1);
    this.num(cycle);
    this.str(signal);
    this.num(value);
  }

  addresses(cycle: number, stream: string, addrs: ArrayLike<number>): void {
    this.events++;
    this.byte(2);
    this.num(cycle);
    this.str(stream);
    this.u32(addrs.length);
    for (let i = 0; i < addrs.length; i++) this.num(addrs[i] ?? -1);
  }

  span(start: number, end: number, component: string, name: string): void {
    this.events++;
    this.byte(3);
    this.num(start);
    this.num(end);
    this.str(component);
    this.str(name);
  }

  digest(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
