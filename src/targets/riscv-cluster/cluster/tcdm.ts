/**
 * The cluster's tightly-coupled data memory (TCDM, the L1): `banks` single-ported banks of 32-bit
 * words, word-interleaved (bank = word index mod banks, word index = (addr − base) >> 2), behind a
 * logarithmic interconnect that arbitrates and routes within one cycle (reference/pulp.md §2, LIC).
 *
 * Every cycle, each master posts at most one request: a narrow one (a core's or a DMA port's
 * 1–4-byte access, which occupies the bank of its first byte) or a wide one (a run of consecutive
 * words, e.g. the RBE's 288-bit port: 9 consecutive banks), which is granted all or nothing.
 * `arbitrate()` then decides all requests of the cycle at once: at each bank the requester with
 * the highest round-robin priority wins; the bank's priority then moves to the master after the
 * winner, so masters that keep requesting one bank are served in turn. A wide request that loses
 * any of its banks gets none of them (those banks go to the next narrow requester). Losers are
 * not granted this cycle and retry the next one.
 *
 * Counters: accesses and conflicts per bank and per master. A conflict is one refused request at
 * a bank that another master was granted that cycle (a refused wide request counts at each of its
 * banks that went to someone else, none at banks nobody got; per master, a refused cycle counts
 * once).
 */
import { MemoryFault } from '../core/memory.js';

/** The TCDM's layout. */
export interface TcdmConfig {
  readonly base: number;
  readonly sizeBytes: number;
  readonly banks: number;
}

/** Bank of a byte address for a word-interleaved memory. */
export function bankOf(addr: number, base: number, banks: number): number {
  return ((addr - base) >>> 2) % banks;
}

export class Tcdm {
  readonly base: number;
  readonly sizeBytes: number;
  readonly banks: number;
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  private readonly names: string[] = [];
  // per master: this cycle's request
  private readonly posted: boolean[] = [];
  private readonly addr: number[] = [];
  private readonly size: (1 | 2 | 4)[] = [];
  private readonly words: number[] = [];
  private readonly isWrite: boolean[] = [];
  private readonly wdata: number[] = [];
  private readonly wide: (Uint32Array | null)[] = [];
  private readonly dropped: boolean[] = [];
  private readonly grant: boolean[] = [];
  private readonly rd: number[] = [];
  private readonly order: number[] = [];
  // per bank: candidates this cycle, winner, round-robin pointer
  private readonly cand: number[][];
  private readonly winner: Int32Array;
  private readonly rr: Int32Array;
  private readonly touched: number[] = [];

  /** Granted accesses and refused requests per bank. */
  readonly bankAccesses: Float64Array;
  readonly bankConflicts: Float64Array;
  /** Granted accesses and refused cycles per master (index = master id). */
  readonly masterAccesses: number[] = [];
  readonly masterConflicts: number[] = [];
  /** Cycles arbitrated. */
  cycles = 0;

  constructor(config: TcdmConfig) {
    const { base, sizeBytes, banks } = config;
    if (!Number.isInteger(banks) || banks < 1) throw new Error(`TCDM banks = ${banks}: expected ≥ 1`);
    if (sizeBytes % (4 * banks) !== 0)
      throw new Error(`TCDM size ${sizeBytes} B is not a whole number of words per bank (${banks} banks)`);
    this.base = base;
    this.sizeBytes = sizeBytes;
    this.banks = banks;
    this.bytes = new Uint8Array(sizeBytes);
    this.view = new DataView(this.bytes.buffer);
    this.cand = Array.from({ length: banks }, () => []);
    this.winner = new Int32Array(banks).fill(-1);
    this.rr = new Int32Array(banks);
    this.bankAccesses = new Float64Array(banks);
    this.bankConflicts = new Float64Array(banks);
  }

  /** Register a master (a core's port, a DMA port, the RBE …); returns its id. Lower ids first in the initial priority. */
  addMaster(name: string): number {
    const id = this.names.length;
    this.names.push(name);
    this.posted.push(false);
    this.addr.push(0);
    this.size.push(4);
    this.words.push(1);
    this.isWrite.push(false);
    this.wdata.push(0);
    this.wide.push(null);
    this.dropped.push(false);
    this.grant.push(false);
    this.rd.push(0);
    this.masterAccesses.push(0);
    this.masterConflicts.push(0);
    return id;
  }

  get masters(): readonly string[] {
    return this.names;
  }

  /** Whether `addr` lies in the TCDM. */
  contains(addr: number): boolean {
    const o = addr - this.base;
    return o >= 0 && o < this.sizeBytes;
  }

  bankOf(addr: number): number {
    return bankOf(addr, this.base, this.banks);
  }

  private check(addr: number, bytes: number, what: string): number {
    const o = addr - this.base;
    if (o < 0 || o + bytes > this.sizeBytes) throw new MemoryFault(addr, bytes, `${what} outside the TCDM`);
    return o;
  }

  private post(m: number): void {
    if (this.posted[m] === true) throw new Error(`TCDM master ${this.names[m]} posted twice in one cycle`);
    this.posted[m] = true;
    this.order.push(m);
  }

  /** A narrow access (1, 2 or 4 bytes) by master `m` this cycle; it occupies the bank of `addr`. */
  request(m: number, addr: number, bytes: 1 | 2 | 4, write: boolean, wdata: number): void {
    this.check(addr, bytes, write ? 'write' : 'read');
    this.post(m);
    this.addr[m] = addr;
    this.size[m] = bytes;
    this.words[m] = 1;
    this.isWrite[m] = write;
    this.wdata[m] = wdata;
    this.wide[m] = null;
  }

  /**
   * A wide access by master `m` this cycle: `data.length` consecutive words from the word-aligned
   * `addr`, i.e. that many consecutive banks, granted all or nothing. A write takes its words from
   * `data`; a granted read fills `data`.
   */
  requestWide(m: number, addr: number, data: Uint32Array, write: boolean): void {
    const n = data.length;
    if ((addr - this.base) % 4 !== 0) throw new MemoryFault(addr, 4 * n, 'unaligned wide access');
    if (n < 1 || n > this.banks) throw new Error(`wide access of ${n} words: expected 1..${this.banks}`);
    this.check(addr, 4 * n, write ? 'wide write' : 'wide read');
    this.post(m);
    this.addr[m] = addr;
    this.size[m] = 4;
    this.words[m] = n;
    this.isWrite[m] = write;
    this.wide[m] = data;
  }

  /** Whether master `m`'s request of the last arbitrated cycle was granted. */
  granted(m: number): boolean {
    return this.grant[m] === true;
  }

  /** Data of master `m`'s last granted narrow read (zero-extended, little-endian). */
  rdata(m: number): number {
    return this.rd[m] ?? 0;
  }

  /** Decide every request posted this cycle, perform the granted ones, update the counters. */
  arbitrate(): void {
    this.cycles++;
    const order = this.order;
    const nb = this.banks;
    const touched = this.touched;
    for (const m of order) {
      this.dropped[m] = false;
      const first = this.bankOf(this.addr[m]!);
      const n = this.words[m]!;
      for (let i = 0; i < n; i++) {
        const b = (first + i) % nb;
        const c = this.cand[b]!;
        if (c.length === 0) touched.push(b);
        c.push(m);
      }
    }
    for (const b of touched) this.pick(b);
    // a wide request that lost any bank gets none: drop it and re-decide its banks
    let changed = true;
    while (changed) {
      changed = false;
      for (const m of order) {
        const n = this.words[m]!;
        if (n === 1 || this.dropped[m] === true) continue;
        const first = this.bankOf(this.addr[m]!);
        let all = true;
        for (let i = 0; i < n && all; i++) all = this.winner[(first + i) % nb] === m;
        if (all) continue;
        this.dropped[m] = true;
        changed = true;
        for (let i = 0; i < n; i++) {
          const b = (first + i) % nb;
          if (this.winner[b] === m) this.pick(b);
        }
      }
    }
    // grants, priorities, counters
    for (const m of order) this.grant[m] = this.dropped[m] !== true;
    for (const b of touched) {
      const w = this.winner[b]!;
      for (const m of this.cand[b]!) {
        if (m === w) continue;
        this.grant[m] = false;
        if (w >= 0) this.bankConflicts[b]!++;
      }
      if (w >= 0) {
        this.bankAccesses[b]!++;
        this.rr[b] = (w + 1) % this.names.length;
      }
      this.cand[b]!.length = 0;
      this.winner[b] = -1;
    }
    touched.length = 0;
    for (const m of order) {
      this.posted[m] = false;
      if (this.grant[m] === true) {
        this.masterAccesses[m]!++;
        this.perform(m);
      } else this.masterConflicts[m]!++;
    }
    order.length = 0;
  }

  /** Winner of bank b among its candidates not dropped: the first at or after the round-robin pointer. */
  private pick(b: number): void {
    const nm = this.names.length;
    const p = this.rr[b]!;
    let best = -1;
    let bestRank = nm;
    for (const m of this.cand[b]!) {
      if (this.dropped[m] === true) continue;
      const rank = (m - p + nm) % nm;
      if (rank < bestRank) {
        bestRank = rank;
        best = m;
      }
    }
    this.winner[b] = best;
  }

  private perform(m: number): void {
    const o = this.addr[m]! - this.base;
    const data = this.wide[m];
    const v = this.view;
    if (data !== null && data !== undefined) {
      if (this.isWrite[m] === true)
        for (let i = 0; i < data.length; i++) v.setUint32(o + 4 * i, data[i]!, true);
      else for (let i = 0; i < data.length; i++) data[i] = v.getUint32(o + 4 * i, true);
      return;
    }
    const bytes = this.size[m]!;
    if (this.isWrite[m] === true) {
      const w = this.wdata[m]!;
      if (bytes === 4) v.setUint32(o, w >>> 0, true);
      else if (bytes === 2) v.setUint16(o, w & 0xffff, true);
      else this.bytes[o] = w & 0xff;
    } else
      this.rd[m] = bytes === 4 ? v.getUint32(o, true) : bytes === 2 ? v.getUint16(o, true) : this.bytes[o]!;
  }

  // Untimed host access (loading data, checking results)

  read(addr: number, bytes: 1 | 2 | 4): number {
    const o = this.check(addr, bytes, 'read');
    if (bytes === 4) return this.view.getUint32(o, true);
    if (bytes === 2) return this.view.getUint16(o, true);
    return this.bytes[o]!;
  }

  write(addr: number, bytes: 1 | 2 | 4, value: number): void {
    const o = this.check(addr, bytes, 'write');
    if (bytes === 4) this.view.setUint32(o, value >>> 0, true);
    else if (bytes === 2) this.view.setUint16(o, value & 0xffff, true);
    else this.bytes[o] = value & 0xff;
  }

  load(addr: number, data: Uint8Array): void {
    this.bytes.set(data, this.check(addr, data.length, 'load'));
  }

  /** Total conflicts (refused requests) over all banks. */
  get conflicts(): number {
    let s = 0;
    for (const c of this.bankConflicts) s += c;
    return s;
  }

  get accesses(): number {
    let s = 0;
    for (const c of this.bankAccesses) s += c;
    return s;
  }

  /** Forget counters, pending requests and priorities (the contents stay). */
  resetState(): void {
    this.bankAccesses.fill(0);
    this.bankConflicts.fill(0);
    this.rr.fill(0);
    this.cycles = 0;
    for (let m = 0; m < this.names.length; m++) {
      this.masterAccesses[m] = 0;
      this.masterConflicts[m] = 0;
      this.posted[m] = false;
      this.grant[m] = false;
    }
    this.order.length = 0;
  }
}
