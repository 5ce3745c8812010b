/**
 * The SoC's L2 memory as the cluster sees it (reference/pulp.md §2: 1 MiB at 0x1c000000): a flat
 * byte array with an access latency. A core's load or store to L2 is granted `latencyCycles`
 * cycles after it is first posted (latency − 1 refused cycles); the DMA's bursts pay the DMA's L2
 * latency once per burst (./dma.ts). Contention between masters at L2 is not modelled.
 */
import { FlatMemory } from '../core/memory.js';

export class L2Memory extends FlatMemory {
  /** Core accesses granted, and the cycles cores spent waiting for them. */
  coreAccesses = 0;
  coreWaitCycles = 0;
  /** Bytes the DMA read from and wrote to L2. */
  dmaReadBytes = 0;
  dmaWriteBytes = 0;

  constructor(
    base: number,
    size: number,
    readonly latencyCycles: number,
  ) {
    super(base, size);
    if (!Number.isInteger(latencyCycles) || latencyCycles < 1)
      throw new Error(`L2 latency ${latencyCycles}: expected an integer ≥ 1`);
  }

  contains(addr: number): boolean {
    const o = addr - this.base;
    return o >= 0 && o < this.bytes.length;
  }

  resetCounters(): void {
    this.coreAccesses = 0;
    this.coreWaitCycles = 0;
    this.dmaReadBytes = 0;
    this.dmaWriteBytes = 0;
  }
}
