/**
 * The core's data-memory port and two simple memories behind it.
 *
 * A data access takes part in a cycle in two phases, so that a cluster can arbitrate the requests
 * of all cores of one cycle before any of them learns its fate (the logarithmic interconnect
 * arbitrates and routes within one cycle; a loser retries the next cycle — reference/pulp.md §2):
 *
 *  1. during the core's issue phase it posts at most one request with `request()`;
 *  2. after every core has issued, the owner of the port decides; the core's complete phase calls
 *     `reply()`, which returns GRANTED (the access happened; a read's data is in `rdata`) or the
 *     stall cause to count for this cycle (a TCDM bank conflict, a barrier at the event unit …).
 *     A refused request is posted again the next cycle.
 *
 * `FlatMemory` is a plain byte array whose port always grants (tests, single-core runs);
 * `StallingPort` refuses on chosen cycles, to prove the core's stall accounting.
 */

/** Stall causes the core counts, in counter order. */
export const STALL_CAUSES = [
  'loadUse',
  'mulLatency',
  'div',
  'branch',
  'jump',
  'icache',
  'tcdm',
  'barrier',
  'wfi',
  'misaligned',
  'multiCycle',
] as const;
export type StallCauseName = (typeof STALL_CAUSES)[number];

/** Counter index of each stall cause. */
export const Stall: { readonly [K in StallCauseName]: number } = Object.fromEntries(
  STALL_CAUSES.map((c, i) => [c, i]),
) as { readonly [K in StallCauseName]: number };

/** `reply()` value of a granted request. */
export const GRANTED = -1;

/** One core's data port (see the file header for the two-phase protocol). */
export interface DataPort {
  /** Post this cycle's access. `event`: an event-unit load (p.elw), which may wait at a barrier. */
  request(addr: number, bytes: 1 | 2 | 4, write: boolean, wdata: number, event: boolean): void;
  /** GRANTED, or the index (Stall.*) of the cause that held the request this cycle. */
  reply(): number;
  /** Data of the last granted read: the accessed bytes, little-endian, zero-extended. */
  readonly rdata: number;
}

/** A data or fetch access outside the memory, or otherwise impossible. */
export class MemoryFault extends Error {
  constructor(
    readonly addr: number,
    readonly bytes: number,
    what: string,
  ) {
    super(`${what} of ${bytes} byte(s) at 0x${(addr >>> 0).toString(16).padStart(8, '0')}`);
    this.name = 'MemoryFault';
  }
}

/** A flat little-endian memory of `size` bytes at `base`. */
export class FlatMemory {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(
    readonly base: number,
    size: number,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  private offset(addr: number, bytes: number, what: string): number {
    const o = addr - this.base;
    if (o < 0 || o + bytes > this.bytes.length) throw new MemoryFault(addr, bytes, `${what} outside memory`);
    return o;
  }

  /** Read 1, 2 or 4 bytes, zero-extended (4 bytes come back as an unsigned 32-bit value). */
  read(addr: number, bytes: 1 | 2 | 4): number {
    const o = this.offset(addr, bytes, 'read');
    if (bytes === 4) return this.view.getUint32(o, true);
    if (bytes === 2) return this.view.getUint16(o, true);
    return this.bytes[o]!;
  }

  write(addr: number, bytes: 1 | 2 | 4, value: number): void {
    const o = this.offset(addr, bytes, 'write');
    if (bytes === 4) this.view.setUint32(o, value >>> 0, true);
    else if (bytes === 2) this.view.setUint16(o, value & 0xffff, true);
    else this.bytes[o] = value & 0xff;
  }

  /** Copy bytes in (a program image, test data). */
  load(addr: number, data: Uint8Array): void {
    this.bytes.set(data, this.offset(addr, data.length, 'load'));
  }

  /** Signed 32-bit word at `addr`. */
  word(addr: number): number {
    return this.read(addr, 4) | 0;
  }

  /** An always-granting port onto this memory. */
  port(): DataPort {
    return new FlatPort(this);
  }
}

class FlatPort implements DataPort {
  rdata = 0;

  constructor(private readonly mem: FlatMemory) {}

  request(addr: number, bytes: 1 | 2 | 4, write: boolean, wdata: number): void {
    if (write) this.mem.write(addr, bytes, wdata);
    else this.rdata = this.mem.read(addr, bytes);
  }

  reply(): number {
    return GRANTED;
  }
}

/**
 * A port that refuses every request posted on a cycle for which `stallOn(cycle)` holds, reporting
 * `cause` (a TCDM conflict by default), and otherwise forwards to `inner`. `clock` gives the
 * current cycle (the core's).
 */
export class StallingPort implements DataPort {
  rdata = 0;
  /** Requests refused so far. */
  refused = 0;
  private addr = 0;
  private bytes: 1 | 2 | 4 = 4;
  private write = false;
  private wdata = 0;
  private event = false;

  constructor(
    private readonly inner: DataPort,
    private readonly stallOn: (cycle: number) => boolean,
    private readonly clock: () => number,
    private readonly cause: number = Stall.tcdm,
  ) {}

  request(addr: number, bytes: 1 | 2 | 4, write: boolean, wdata: number, event: boolean): void {
    this.addr = addr;
    this.bytes = bytes;
    this.write = write;
    this.wdata = wdata;
    this.event = event;
  }

  reply(): number {
    if (this.stallOn(this.clock())) {
      this.refused++;
      return this.cause;
    }
    this.inner.request(this.addr, this.bytes, this.write, this.wdata, this.event);
    const r = this.inner.reply();
    this.rdata = this.inner.rdata;
    return r;
  }
}
