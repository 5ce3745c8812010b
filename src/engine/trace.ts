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
 */
export class DigestTrace implements TraceSink {
  readonly enabled = true;
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;
  events = 0;

  private mix(n: number): void {
    // fold a double's integer part (cycles, addresses) into the 64-bit FNV state, 16 bits at a time
    let x = Math.trunc(n);
    const neg = x < 0;
    if (neg) x = -x;
    for (let i = 0; i < 4; i++) {
      this.byte(x & 0xff);
      this.byte((x >>> 8) & 0xff);
      x = Math.floor(x / 65536);
    }
    this.byte(neg ? 1 : 0);
  }

  private byte(b: number): void {
    this.lo ^= b;
    // multiply (hi,lo) by the FNV prime 0x100000001b3 modulo 2^64
    const lo = this.lo;
    const hi = this.hi;
    const pLo = 0x1b3;
    const loProd = lo * pLo;
    const carry = Math.floor(loProd / 4294967296);
    this.lo = loProd >>> 0;
    this.hi = (Math.imul(hi, pLo) + carry + (lo << 8)) >>> 0;
  }

  private str(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i) & 0xff);
  }

  value(cycle: number, signal: string, value: number): void {
    this.events++;
    this.mix(cycle);
    this.str(signal);
    this.mix(value);
  }

  addresses(cycle: number, stream: string, addrs: ArrayLike<number>): void {
    this.events++;
    this.mix(cycle);
    this.str(stream);
    for (let i = 0; i < addrs.length; i++) this.mix(addrs[i] ?? -1);
  }

  span(start: number, end: number, component: string, name: string): void {
    this.events++;
    this.mix(start);
    this.mix(end);
    this.str(component);
    this.str(name);
  }

  digest(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
