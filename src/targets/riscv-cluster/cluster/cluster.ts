/**
 * The PULP cluster around the cores (reference/pulp.md §2): N RI5CY-class cores (../core/core.ts)
 * running the same code from one entry (fork-join: each reads its id from mhartid), a banked TCDM
 * with per-cycle round-robin arbitration (./tcdm.ts), L2 (./l2.ts), the cluster DMA (./dma.ts),
 * the event unit's barrier and DMA waits (./event-unit.ts) and the hierarchical instruction cache
 * (one shared level for all cores, a private level each; ../core/icache.ts).
 *
 * One `step()` is one cycle:
 *  1. every core's issue phase: memory instructions post their request to the core's port, which
 *     routes it by address (TCDM, L2, event unit, DMA registers — ./params.ts ClusterAddressMap);
 *  2. the DMA issues a burst and posts this cycle's words to the TCDM;
 *  3. the TCDM arbitrates every request of the cycle; L2, event-unit and DMA-register accesses are
 *     decided (barrier arrivals of the cycle are all registered before any grant);
 *  4. every core's complete phase collects its reply (GRANTED or the stall cause);
 *  5. the DMA collects its grants and finishes bursts and transfers.
 *
 * Stall causes reported to the cores (the core's STALL_CAUSES): a TCDM bank conflict → `tcdm`; a
 * barrier → `barrier`; waiting for the DMA → `wfi` (the core sleeps on an event, as with wfi; the
 * event unit counts these cycles separately as DMA waits); an L2 access or a DMA command while
 * the DMA queue is full → `multiCycle` (the cluster counts L2 waits separately).
 *
 * DMA registers (the model's own layout inside the mchan demux window, per core): see `DmaReg`.
 */
import type { ActionCounts, Component } from '../../../engine/component.js';
import { CycleLimitError } from '../../../engine/runner.js';
import { CodeImage, RiscvCore } from '../core/core.js';
import { InstructionCache, SetAssocCache } from '../core/icache.js';
import { GRANTED, MemoryFault, Stall, type DataPort } from '../core/memory.js';
import type { CoreTiming } from '../core/timing.js';
import { ClusterDma, type DmaTransferSpec } from './dma.js';
import { EventUnit } from './event-unit.js';
import { L2Memory } from './l2.js';
import { checkParams, MARSELLUS_CLUSTER, type ClusterParams } from './params.js';
import { Tcdm } from './tcdm.js';

/** Offsets of the DMA registers in the DMA window (each core has its own set). */
export const DmaReg = {
  /** W: TCDM byte address of the next transfer. */
  tcdmAddr: 0x00,
  /** W: L2 byte address. */
  l2Addr: 0x04,
  /** W: bytes per row (the whole transfer when 1-D). */
  bytes: 0x08,
  /** W: rows of a 2-D transfer (1 after every command). */
  rows: 0x0c,
  /** W: distance between row starts in L2 and in the TCDM (0: `bytes`; both back to 0 after every command). */
  l2Stride: 0x10,
  tcdmStride: 0x14,
  /** W: queue the transfer; bit 0 = 1: L2 → TCDM, 0: TCDM → L2 (refused while the queue is full). R: id of this core's last transfer. */
  command: 0x18,
  /** R (p.elw): wait until every transfer queued so far is done; reads 0. */
  waitAll: 0x1c,
  /** R (p.elw) at waitId + 4 × (id mod 64): wait until transfer `id` (the latest with that id mod 64) is done; reads 0. */
  waitId: 0x100,
} as const;

/** A program to run: an assembled Program, any {base, bytes, entry} image, or a shared CodeImage. */
export type ClusterCode =
  { readonly base: number; readonly bytes: Uint8Array; readonly entry?: number } | CodeImage;

export interface ClusterOptions {
  readonly code: ClusterCode;
  /** Start address of every core (default: the code's entry, else its base). */
  readonly entry?: number;
  /** Cluster parameters (default MARSELLUS_CLUSTER). */
  readonly params?: ClusterParams;
  /** Core pipeline timing (default: the core's RI5CY_TIMING). */
  readonly timing?: CoreTiming;
}

const R_NONE = 0;
const R_TCDM = 1;
const R_L2 = 2;
const R_BARRIER = 3;
const R_DMA = 4;

/** A core's data port into the cluster. */
class ClusterPort implements DataPort {
  rdata = 0;
  route = R_NONE;
  result = GRANTED;
  addr = 0;
  bytes: 1 | 2 | 4 = 4;
  write = false;
  wdata = 0;
  /** Cycles left of an L2 access already under way (−1: none). */
  l2Left = -1;
  // this core's DMA registers
  dTcdm = 0;
  dL2 = 0;
  dBytes = 0;
  dRows = 1;
  dL2Stride = 0;
  dTcdmStride = 0;
  dLast = -1;
  readonly waitIds = new Int32Array(64).fill(-1);

  constructor(
    private readonly cluster: Cluster,
    readonly core: number,
    readonly master: number,
  ) {}

  request(addr: number, bytes: 1 | 2 | 4, write: boolean, wdata: number): void {
    const c = this.cluster;
    const map = c.params.map;
    this.addr = addr;
    this.bytes = bytes;
    this.write = write;
    this.wdata = wdata;
    if (c.tcdm.contains(addr)) {
      c.tcdm.request(this.master, addr, bytes, write, wdata);
      this.route = R_TCDM;
    } else if (c.l2.contains(addr)) {
      if (addr - c.l2.base + bytes > c.l2.bytes.length)
        throw new MemoryFault(addr, bytes, 'access beyond L2');
      this.route = R_L2;
    } else if (addr >= map.eventUnitBase && addr < map.eventUnitBase + map.eventUnitBytes) {
      if (addr - map.eventUnitBase !== map.barrierWaitOffset || write)
        throw new MemoryFault(addr, bytes, 'event-unit register not modelled (only the barrier wait read)');
      this.route = R_BARRIER;
    } else if (addr >= map.dmaBase && addr < map.dmaBase + map.dmaBytes) {
      this.route = R_DMA;
    } else
      throw new MemoryFault(
        addr,
        bytes,
        write ? 'write outside the cluster map' : 'read outside the cluster map',
      );
  }

  reply(): number {
    return this.result;
  }

  /** Decide a DMA-register access on `cycle`. */
  dma(cycle: number): number {
    const c = this.cluster;
    const off = this.addr - c.params.map.dmaBase;
    const dma = c.dma;
    this.rdata = 0;
    if (this.write) {
      const v = this.wdata >>> 0;
      switch (off) {
        case DmaReg.tcdmAddr:
          this.dTcdm = v;
          return GRANTED;
        case DmaReg.l2Addr:
          this.dL2 = v;
          return GRANTED;
        case DmaReg.bytes:
          this.dBytes = v;
          return GRANTED;
        case DmaReg.rows:
          this.dRows = v;
          return GRANTED;
        case DmaReg.l2Stride:
          this.dL2Stride = v;
          return GRANTED;
        case DmaReg.tcdmStride:
          this.dTcdmStride = v;
          return GRANTED;
        case DmaReg.command: {
          if (!dma.canEnqueue) return Stall.multiCycle;
          const spec: DmaTransferSpec = {
            direction: (v & 1) === 1 ? 'l2-to-tcdm' : 'tcdm-to-l2',
            tcdmAddr: this.dTcdm,
            l2Addr: this.dL2,
            bytes: this.dBytes,
            rows: this.dRows,
            l2StrideBytes: this.dL2Stride === 0 ? this.dBytes : this.dL2Stride,
            tcdmStrideBytes: this.dTcdmStride === 0 ? this.dBytes : this.dTcdmStride,
          };
          const id = dma.enqueue(spec, cycle + 1)!;
          this.dLast = id;
          this.waitIds[id & 63] = id;
          this.dRows = 1;
          this.dL2Stride = this.dTcdmStride = 0;
          return GRANTED;
        }
        default:
          throw new MemoryFault(this.addr, this.bytes, 'write to a DMA register not modelled');
      }
    }
    if (off === DmaReg.command) {
      this.rdata = this.dLast >>> 0;
      return GRANTED;
    }
    if (off === DmaReg.waitAll) {
      if (dma.idleBefore(cycle)) return GRANTED;
      c.eventUnit.dmaWaitCycles[this.core]!++;
      return Stall.wfi;
    }
    if (off >= DmaReg.waitId && off < DmaReg.waitId + 256 && (off & 3) === 0) {
      const id = this.waitIds[(off - DmaReg.waitId) >>> 2]!;
      if (id < 0 || dma.doneBefore(id, cycle)) return GRANTED;
      c.eventUnit.dmaWaitCycles[this.core]!++;
      return Stall.wfi;
    }
    throw new MemoryFault(this.addr, this.bytes, 'read of a DMA register not modelled');
  }

  /** Decide an L2 access on `cycle`: granted `latencyCycles` cycles after it was first posted. */
  l2(): number {
    const l2 = this.cluster.l2;
    if (this.l2Left < 0) this.l2Left = l2.latencyCycles - 1;
    if (this.l2Left > 0) {
      this.l2Left--;
      l2.coreWaitCycles++;
      return Stall.multiCycle;
    }
    this.l2Left = -1;
    l2.coreAccesses++;
    if (this.write) l2.write(this.addr, this.bytes, this.wdata);
    else this.rdata = l2.read(this.addr, this.bytes);
    return GRANTED;
  }
}

export class Cluster implements Component {
  readonly id = 'cluster';
  readonly params: ClusterParams;
  readonly tcdm: Tcdm;
  readonly l2: L2Memory;
  readonly dma: ClusterDma;
  readonly eventUnit: EventUnit;
  readonly code: CodeImage;
  readonly cores: readonly RiscvCore[];
  /** The shared level of the instruction cache (null when the cache is ideal). */
  readonly sharedICache: SetAssocCache | null;
  private readonly ports: ClusterPort[];
  cycle = 0;

  constructor(options: ClusterOptions) {
    const p = options.params ?? MARSELLUS_CLUSTER;
    const problems = checkParams(p);
    if (problems.length > 0) throw new Error(`cluster parameters ${p.name}: ${problems.join('; ')}`);
    this.params = p;
    this.tcdm = new Tcdm({ base: p.map.tcdmBase, sizeBytes: p.tcdmBytes, banks: p.tcdmBanks });
    this.l2 = new L2Memory(p.map.l2Base, p.l2Bytes, p.l2LatencyCycles);
    const code = options.code;
    this.code = code instanceof CodeImage ? code : new CodeImage(code.base, code.bytes);
    if (!(code instanceof CodeImage)) {
      const end = code.base + code.bytes.length - 1;
      if (this.l2.contains(code.base) && this.l2.contains(end)) this.l2.load(code.base, code.bytes);
      else if (this.tcdm.contains(code.base) && this.tcdm.contains(end))
        this.tcdm.load(code.base, code.bytes);
    }
    const entry = options.entry ?? (code instanceof CodeImage ? code.base : (code.entry ?? code.base));
    const ic = p.icache;
    this.sharedICache = ic === null || ic.shared === null ? null : new SetAssocCache(ic.shared);
    this.ports = [];
    const cores: RiscvCore[] = [];
    // cores first: at reset they have priority over the DMA at every bank
    for (let i = 0; i < p.cores; i++) {
      const port = new ClusterPort(this, i, this.tcdm.addMaster(`core${i}`));
      this.ports.push(port);
      cores.push(
        new RiscvCore({
          hartId: i,
          code: this.code,
          entry,
          port,
          ...(options.timing === undefined ? {} : { timing: options.timing }),
          icache: ic === null ? null : new InstructionCache(ic, this.sharedICache),
        }),
      );
    }
    this.cores = cores;
    this.dma = new ClusterDma(
      {
        bytesPerCycle: p.dmaBytesPerCycle,
        tcdmPorts: p.dmaTcdmPorts,
        burstBytes: p.dmaBurstBytes,
        maxOutstandingBursts: p.dmaMaxOutstandingBursts,
        maxTransfers: p.dmaMaxTransfers,
        l2LatencyCycles: p.dmaL2LatencyCycles,
      },
      this.tcdm,
      this.l2,
    );
    this.eventUnit = new EventUnit(p.cores, p.barrierLatencyCycles);
  }

  // -------------------------------------------------------------------------------------------
  // Memory helpers (untimed)

  /** Copy bytes into the TCDM or L2, by address. */
  load(addr: number, data: Uint8Array): void {
    if (this.tcdm.contains(addr)) this.tcdm.load(addr, data);
    else if (this.l2.contains(addr)) this.l2.load(addr, data);
    else throw new MemoryFault(addr, data.length, 'load outside the TCDM and L2');
  }

  /** Write 32-bit words at `addr` (TCDM or L2). */
  loadWords(addr: number, words: readonly number[]): void {
    const b = new Uint8Array(4 * words.length);
    const v = new DataView(b.buffer);
    words.forEach((w, i) => {
      v.setUint32(4 * i, w >>> 0, true);
    });
    this.load(addr, b);
  }

  /** Signed 32-bit word at `addr` (TCDM or L2). */
  word(addr: number): number {
    if (this.tcdm.contains(addr)) return this.tcdm.read(addr, 4) | 0;
    return this.l2.word(addr);
  }

  /** Queue a DMA transfer from the host (visible to the DMA from the current cycle). */
  dmaTransfer(spec: DmaTransferSpec): number {
    const id = this.dma.enqueue(spec, this.cycle);
    if (id === null) throw new Error('DMA queue full');
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // The cycle

  step(): void {
    const cores = this.cores;
    const ports = this.ports;
    const n = cores.length;
    const cycle = this.cycle;
    for (let i = 0; i < n; i++) {
      ports[i]!.route = R_NONE;
      cores[i]!.issue();
    }
    this.dma.issue(cycle);
    this.tcdm.arbitrate();
    const eu = this.eventUnit;
    let barrier = false;
    for (let i = 0; i < n; i++) {
      const p = ports[i]!;
      switch (p.route) {
        case R_TCDM:
          if (this.tcdm.granted(p.master)) {
            p.result = GRANTED;
            if (!p.write) p.rdata = this.tcdm.rdata(p.master);
          } else p.result = Stall.tcdm;
          break;
        case R_L2:
          p.result = p.l2();
          break;
        case R_BARRIER:
          eu.arrive(i, cycle);
          barrier = true;
          break;
        case R_DMA:
          p.result = p.dma(cycle);
          break;
        default:
      }
    }
    if (barrier) {
      for (let i = 0; i < n; i++) {
        const p = ports[i]!;
        if (p.route !== R_BARRIER) continue;
        p.rdata = 0;
        p.result = eu.release(i, cycle) ? GRANTED : Stall.barrier;
      }
    }
    for (let i = 0; i < n; i++) cores[i]!.complete();
    this.dma.complete(cycle);
    eu.endCycle();
    this.cycle = cycle + 1;
  }

  /** Whether every core has halted (ecall/ebreak). */
  get allHalted(): boolean {
    for (const c of this.cores) if (!c.halted) return false;
    return true;
  }

  /** Cycles until something can interact: the smallest over the cores; 0 while the DMA has work. */
  nextActivity(): number {
    if (!this.dma.idleBefore(this.cycle)) return 0;
    let k = Infinity;
    for (const c of this.cores) k = Math.min(k, c.nextActivity());
    return k;
  }

  /** Advance n cycles at once (n ≤ nextActivity()): every core advances; nothing else changes. */
  advance(n: number): void {
    if (n <= 0) return;
    if (n > this.nextActivity()) throw new Error(`cluster: advance(${n}) beyond nextActivity()`);
    for (const c of this.cores) c.advance(n);
    this.cycle += n;
  }

  /**
   * Run until every core has halted; returns the cycles run. Steady stretches (every core
   * stalled or halted, the DMA idle) are jumped with advance(), which is exact. Throws
   * CycleLimitError past `maxCycles`.
   */
  runUntilAllHalt(maxCycles = 1e8): number {
    const start = this.cycle;
    const limit = start + maxCycles;
    while (!this.allHalted) {
      if (this.cycle >= limit) throw new CycleLimitError(maxCycles);
      const k = this.nextActivity();
      if (k >= 1) this.advance(Math.min(k, limit - this.cycle));
      else this.step();
    }
    return this.cycle - start;
  }

  reset(): void {
    for (const c of this.cores) c.reset();
    for (const p of this.ports) {
      p.route = R_NONE;
      p.l2Left = -1;
      p.dRows = 1;
      p.dLast = -1;
      p.waitIds.fill(-1);
    }
    this.tcdm.resetState();
    this.l2.resetCounters();
    this.dma.resetState();
    this.eventUnit.resetState();
    this.cycle = 0;
  }

  /** Total stall cycles of every core by cause, summed. */
  counts(): ActionCounts {
    const c: ActionCounts = { cycles: this.cycle };
    const add = (k: string, v: number): void => {
      c[k] = (c[k] ?? 0) + v;
    };
    this.cores.forEach((core, i) => {
      for (const [k, v] of Object.entries(core.counts())) {
        c[`core${i}.${k}`] = v;
        if (k !== 'cycles') add(`cores.${k}`, v);
      }
    });
    const t = this.tcdm;
    for (let b = 0; b < t.banks; b++) {
      c[`tcdm.bank${b}.access`] = t.bankAccesses[b]!;
      c[`tcdm.bank${b}.conflict`] = t.bankConflicts[b]!;
    }
    c['tcdm.access'] = t.accesses;
    c['tcdm.conflict'] = t.conflicts;
    t.masters.forEach((name, m) => {
      c[`tcdm.${name}.access`] = t.masterAccesses[m]!;
      c[`tcdm.${name}.conflict`] = t.masterConflicts[m]!;
    });
    c['l2.core.access'] = this.l2.coreAccesses;
    c['l2.core.wait'] = this.l2.coreWaitCycles;
    c['l2.dma.read.bytes'] = this.l2.dmaReadBytes;
    c['l2.dma.write.bytes'] = this.l2.dmaWriteBytes;
    c['dma.bytes.toTcdm'] = this.dma.bytesToTcdm;
    c['dma.bytes.toL2'] = this.dma.bytesToL2;
    c['dma.bursts'] = this.dma.bursts;
    c['dma.busy'] = this.dma.busyCycles;
    c['dma.refusedWords'] = this.dma.refusedWords;
    c['eu.barriers'] = this.eventUnit.barriers;
    this.cores.forEach((_, i) => {
      c[`eu.core${i}.barrierWait`] = this.eventUnit.barrierWaitCycles[i]!;
      c[`eu.core${i}.dmaWait`] = this.eventUnit.dmaWaitCycles[i]!;
    });
    return c;
  }
}
