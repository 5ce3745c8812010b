/**
 * The cluster DMA (mchan v7 in Marsellus, reference/pulp.md §2): a queue of 1-D and 2-D transfers
 * between L2 and the TCDM.
 *
 * Model, per transfer (in queue order):
 *  - it is cut into bursts of at most `burstBytes` (each row of a 2-D transfer separately);
 *  - the AXI side issues at most one burst request per cycle, with at most `maxOutstandingBursts`
 *    in flight; an L2 → TCDM burst's data starts arriving `l2LatencyCycles` after its request;
 *  - data moves at `bytesPerCycle` (the AXI width): each cycle the oldest burst with data posts up
 *    to bytesPerCycle / 4 words to the TCDM through its own masters (`tcdmPorts` narrow ports),
 *    contending at the banks with the cores; a refused word retries the next cycle, and the stream
 *    waits for it (the AXI side is back-pressured);
 *  - an L2 → TCDM burst is done when its last word is written; a TCDM → L2 burst when its write is
 *    acknowledged, `l2LatencyCycles` after its last word was read.
 * A transfer is done when its last burst is; from the next cycle the event unit lets waiting cores
 * go. So an uncontended L2 → TCDM transfer of B bytes (B a multiple of bytesPerCycle, issued
 * before cycle 0, bursts never starved by the outstanding limit) does its last write on cycle
 * L + B / W − 1 and is seen done on cycle L + B / W.
 *
 * The model moves whole words: TCDM addresses, strides and row lengths must be multiples of 4
 * (transfers that are not are refused). Queue depth: `maxTransfers` transfers queued or in flight.
 */
import type { L2Memory } from './l2.js';
import type { Tcdm } from './tcdm.js';

export type DmaDirection = 'l2-to-tcdm' | 'tcdm-to-l2';

/** A transfer as the cores (or a host) describe it. */
export interface DmaTransferSpec {
  readonly direction: DmaDirection;
  readonly tcdmAddr: number;
  readonly l2Addr: number;
  /** Bytes per row (the whole transfer when 1-D). */
  readonly bytes: number;
  /** 2-D: number of rows (default 1) and the distance between row starts on each side (default `bytes`). */
  readonly rows?: number;
  readonly l2StrideBytes?: number;
  readonly tcdmStrideBytes?: number;
}

export interface DmaConfig {
  readonly bytesPerCycle: number;
  readonly tcdmPorts: number;
  readonly burstBytes: number;
  readonly maxOutstandingBursts: number;
  readonly maxTransfers: number;
  readonly l2LatencyCycles: number;
}

interface Burst {
  readonly transfer: Transfer;
  readonly l2Addr: number;
  readonly tcdmAddr: number;
  readonly words: number;
  issuedAt: number;
  /** First cycle its data can move. */
  readyAt: number;
  /** Next word never posted, words refused last time (to retry), words done. */
  next: number;
  retry: number[];
  done: number;
  /** End of the cycle at which it stops counting as outstanding (Infinity until known). */
  freeAt: number;
}

interface Transfer {
  readonly id: number;
  readonly spec: DmaTransferSpec;
  readonly bursts: Burst[];
  readonly enqueuedAt: number;
  /** Bursts not yet issued start here. */
  nextBurst: number;
  burstsFreed: number;
  /** The cycle at the end of which it finished (Infinity until then). */
  doneAt: number;
}

/** What a finished (or running) transfer did. */
export interface DmaTransferRecord {
  readonly id: number;
  readonly spec: DmaTransferSpec;
  readonly enqueuedAt: number;
  readonly doneAt: number;
}

export class ClusterDma {
  private readonly queue: Transfer[] = [];
  private readonly all: Transfer[] = [];
  /** Issued bursts not yet free, in issue order. */
  private readonly inflight: Burst[] = [];
  private readonly ports: number[];
  private readonly wordsPerCycle: number;
  // this cycle's posted words
  private postedBurst: Burst | null = null;
  private readonly postedWord: number[] = [];
  private nextId = 0;

  /** Bytes moved each way, bursts issued, cycles with any transfer pending, TCDM words refused. */
  bytesToTcdm = 0;
  bytesToL2 = 0;
  bursts = 0;
  busyCycles = 0;
  refusedWords = 0;
  /** Called when a transfer finishes (the event unit listens). */
  onDone: ((id: number, cycle: number) => void) | null = null;

  constructor(
    readonly config: DmaConfig,
    private readonly tcdm: Tcdm,
    private readonly l2: L2Memory,
  ) {
    this.ports = Array.from({ length: config.tcdmPorts }, (_, i) => tcdm.addMaster(`dma${i}`));
    this.wordsPerCycle = Math.min(config.tcdmPorts, Math.floor(config.bytesPerCycle / 4));
    if (this.wordsPerCycle < 1) throw new Error('DMA: bytesPerCycle below one word');
  }

  /** The TCDM master ids of the DMA's ports. */
  get tcdmMasters(): readonly number[] {
    return this.ports;
  }

  /** Problems with a transfer (empty when the model can run it). */
  check(spec: DmaTransferSpec): string[] {
    const e: string[] = [];
    const rows = spec.rows ?? 1;
    const ts = spec.tcdmStrideBytes ?? spec.bytes;
    const ls = spec.l2StrideBytes ?? spec.bytes;
    if (!Number.isInteger(spec.bytes) || spec.bytes <= 0) e.push(`bytes = ${spec.bytes}: expected > 0`);
    if (!Number.isInteger(rows) || rows < 1) e.push(`rows = ${rows}: expected ≥ 1`);
    if (spec.bytes % 4 !== 0 || (spec.tcdmAddr - this.tcdm.base) % 4 !== 0 || ts % 4 !== 0)
      e.push('TCDM address, row length and TCDM stride must be multiples of 4 (the model moves whole words)');
    const lastT = spec.tcdmAddr + (rows - 1) * ts;
    if (!this.tcdm.contains(spec.tcdmAddr) || !this.tcdm.contains(lastT + spec.bytes - 1))
      e.push(`TCDM range at 0x${(spec.tcdmAddr >>> 0).toString(16)} is outside the TCDM`);
    const lastL = spec.l2Addr + (rows - 1) * ls;
    if (!this.l2.contains(spec.l2Addr) || !this.l2.contains(lastL + spec.bytes - 1))
      e.push(`L2 range at 0x${(spec.l2Addr >>> 0).toString(16)} is outside L2`);
    return e;
  }

  /** Whether another transfer can be queued now. */
  get canEnqueue(): boolean {
    return this.queue.length < this.config.maxTransfers;
  }

  /**
   * Queue a transfer at `cycle` (its bursts may start that same cycle when queued before the
   * cycle's step). Returns its id, or null when the queue is full. Throws on a transfer the model
   * cannot run.
   */
  enqueue(spec: DmaTransferSpec, cycle: number): number | null {
    const problems = this.check(spec);
    if (problems.length > 0) throw new Error(`DMA transfer refused: ${problems.join('; ')}`);
    if (!this.canEnqueue) return null;
    const t: Transfer = {
      id: this.nextId++,
      spec,
      bursts: [],
      enqueuedAt: cycle,
      nextBurst: 0,
      burstsFreed: 0,
      doneAt: Infinity,
    };
    const rows = spec.rows ?? 1;
    const ts = spec.tcdmStrideBytes ?? spec.bytes;
    const ls = spec.l2StrideBytes ?? spec.bytes;
    const bb = this.config.burstBytes;
    for (let r = 0; r < rows; r++) {
      for (let off = 0; off < spec.bytes; off += bb) {
        const n = Math.min(bb, spec.bytes - off);
        t.bursts.push({
          transfer: t,
          l2Addr: spec.l2Addr + r * ls + off,
          tcdmAddr: spec.tcdmAddr + r * ts + off,
          words: n / 4,
          issuedAt: -1,
          readyAt: Infinity,
          next: 0,
          retry: [],
          done: 0,
          freeAt: Infinity,
        });
      }
    }
    this.queue.push(t);
    this.all.push(t);
    return t.id;
  }

  /** Whether transfer `id` finished before `cycle` (false for an unknown id). */
  doneBefore(id: number, cycle: number): boolean {
    const t = this.all[id];
    return t !== undefined && t.doneAt < cycle;
  }

  /** Whether every transfer queued so far finished before `cycle`. */
  idleBefore(cycle: number): boolean {
    return (
      this.queue.length === 0 && (this.all.length === 0 || this.all[this.all.length - 1]!.doneAt < cycle)
    );
  }

  /** Id of the last transfer queued, or −1. */
  get lastId(): number {
    return this.nextId - 1;
  }

  transfer(id: number): DmaTransferRecord | undefined {
    const t = this.all[id];
    return t === undefined
      ? undefined
      : { id: t.id, spec: t.spec, enqueuedAt: t.enqueuedAt, doneAt: t.doneAt };
  }

  get transfers(): readonly DmaTransferRecord[] {
    return this.all.map((t) => ({ id: t.id, spec: t.spec, enqueuedAt: t.enqueuedAt, doneAt: t.doneAt }));
  }

  /** Phase 1 of cycle `cycle`: issue a burst, post this cycle's words to the TCDM. */
  issue(cycle: number): void {
    if (this.queue.length === 0) return;
    this.busyCycles++;
    // bursts that became free at the end of an earlier cycle
    while (this.inflight.length > 0 && this.inflight[0]!.freeAt < cycle) this.inflight.shift();
    let outstanding = 0;
    for (const b of this.inflight) if (b.freeAt >= cycle) outstanding++;
    // one burst request per cycle, in queue order
    if (outstanding < this.config.maxOutstandingBursts) {
      for (const t of this.queue) {
        if (t.nextBurst < t.bursts.length) {
          const b = t.bursts[t.nextBurst++]!;
          b.issuedAt = cycle;
          b.readyAt = t.spec.direction === 'l2-to-tcdm' ? cycle + this.config.l2LatencyCycles : cycle;
          this.inflight.push(b);
          this.bursts++;
          break;
        }
      }
    }
    // the oldest burst still moving data, if its data is there
    let cur: Burst | null = null;
    for (const b of this.inflight) {
      if (b.done < b.words) {
        cur = b;
        break;
      }
    }
    if (cur === null || cur.readyAt > cycle) return;
    const toTcdm = cur.transfer.spec.direction === 'l2-to-tcdm';
    const words = this.postedWord;
    while (words.length < this.wordsPerCycle && cur.retry.length > 0) words.push(cur.retry.shift()!);
    while (words.length < this.wordsPerCycle && cur.next < cur.words) words.push(cur.next++);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const ta = cur.tcdmAddr + 4 * w;
      const data = toTcdm ? this.l2.read(cur.l2Addr + 4 * w, 4) : 0;
      this.tcdm.request(this.ports[i]!, ta, 4, toTcdm, data);
    }
    this.postedBurst = cur;
  }

  /** Phase 2: collect the TCDM's grants; finish bursts and transfers. */
  complete(cycle: number): void {
    const b = this.postedBurst;
    if (b === null) return;
    this.postedBurst = null;
    const toTcdm = b.transfer.spec.direction === 'l2-to-tcdm';
    const words = this.postedWord;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const port = this.ports[i]!;
      if (this.tcdm.granted(port)) {
        b.done++;
        if (toTcdm) {
          this.bytesToTcdm += 4;
          this.l2.dmaReadBytes += 4;
        } else {
          this.l2.write(b.l2Addr + 4 * w, 4, this.tcdm.rdata(port));
          this.bytesToL2 += 4;
          this.l2.dmaWriteBytes += 4;
        }
      } else {
        b.retry.push(w);
        this.refusedWords++;
      }
    }
    words.length = 0;
    if (b.done < b.words) return;
    b.freeAt = toTcdm ? cycle : cycle + this.config.l2LatencyCycles;
    const t = b.transfer;
    t.burstsFreed++;
    if (t.burstsFreed === t.bursts.length) {
      t.doneAt = b.freeAt;
      this.queue.splice(this.queue.indexOf(t), 1);
      this.onDone?.(t.id, t.doneAt);
    }
  }

  resetState(): void {
    this.queue.length = 0;
    this.all.length = 0;
    this.inflight.length = 0;
    this.postedBurst = null;
    this.postedWord.length = 0;
    this.nextId = 0;
    this.bytesToTcdm = this.bytesToL2 = this.bursts = this.busyCycles = this.refusedWords = 0;
  }
}
