/**
 * The cluster's event unit (EU v3 in Marsellus, reference/pulp.md §1), reduced to what fork-join
 * code needs: the hardware barrier and waiting for DMA completions.
 *
 * Barrier: a core arrives by reading the barrier's "trigger, wait and clear" register with p.elw
 * (the core's `event` load). The read is refused (the core stalls, cause `barrier`) until every
 * core of the barrier has arrived; if the last core arrives on cycle A, every core's read is
 * granted on cycle A + `latencyCycles`, so all cores leave the barrier on the same cycle. The
 * latency is the eleven cycles of the SCU paper (Glaser et al., DATE 2019), independent of the
 * number of cores. Arrivals of one cycle are all registered before any grant of that cycle is
 * decided (`arrive` for every request first, then `release`).
 *
 * DMA: waits on a DMA transfer (or on all of them) are decided by the cluster against the DMA's
 * completion times (./dma.ts); the event unit only counts them.
 */

export interface BarrierRecord {
  /** Cycle each core first posted its barrier read. */
  readonly arrivals: readonly number[];
  /** Cycle on which every core's read was granted. */
  readonly releasedAt: number;
}

export class EventUnit {
  private readonly arrived: boolean[];
  private readonly arrivalCycle: number[];
  private readonly leaving: boolean[];
  private count = 0;
  private releaseAt = Infinity;
  /** Barriers completed, and their arrival / release cycles (the last `keep`). */
  barriers = 0;
  readonly history: BarrierRecord[] = [];
  /** Cycles each core spent refused at a barrier, and waiting for the DMA. */
  readonly barrierWaitCycles: number[];
  readonly dmaWaitCycles: number[];

  constructor(
    readonly cores: number,
    readonly latencyCycles: number,
    private readonly keep = 64,
  ) {
    this.arrived = new Array<boolean>(cores).fill(false);
    this.arrivalCycle = new Array<number>(cores).fill(-1);
    this.leaving = new Array<boolean>(cores).fill(false);
    this.barrierWaitCycles = new Array<number>(cores).fill(0);
    this.dmaWaitCycles = new Array<number>(cores).fill(0);
  }

  /** Core `core` posts its barrier read on `cycle` (a first post is its arrival). */
  arrive(core: number, cycle: number): void {
    if (this.arrived[core] === true) return;
    this.arrived[core] = true;
    this.arrivalCycle[core] = cycle;
    if (++this.count === this.cores) this.releaseAt = cycle + this.latencyCycles;
  }

  /** Whether core `core`'s barrier read is granted on `cycle` (after every arrival of the cycle). */
  release(core: number, cycle: number): boolean {
    if (cycle >= this.releaseAt) {
      this.leaving[core] = true;
      return true;
    }
    this.barrierWaitCycles[core]!++;
    return false;
  }

  /** End of a cycle: once every core has left, the barrier is ready for its next use. */
  endCycle(): void {
    if (this.releaseAt === Infinity) return;
    for (let c = 0; c < this.cores; c++) if (this.leaving[c] !== true) return;
    this.history.push({ arrivals: [...this.arrivalCycle], releasedAt: this.releaseAt });
    if (this.history.length > this.keep) this.history.shift();
    this.barriers++;
    this.arrived.fill(false);
    this.arrivalCycle.fill(-1);
    this.leaving.fill(false);
    this.count = 0;
    this.releaseAt = Infinity;
  }

  resetState(): void {
    this.arrived.fill(false);
    this.arrivalCycle.fill(-1);
    this.leaving.fill(false);
    this.count = 0;
    this.releaseAt = Infinity;
    this.barriers = 0;
    this.history.length = 0;
    this.barrierWaitCycles.fill(0);
    this.dmaWaitCycles.fill(0);
  }
}
