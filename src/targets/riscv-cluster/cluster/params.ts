/**
 * Parameters of the PULP cluster around the cores, as data with their sources. Every figure is
 * either stated by a source ([S]), derived from stated figures ([D]) or an estimate (labelled
 * "estimate"). The sources are collected in reference/pulp.md (cited as pulp.md §n):
 *
 *  - [RT] pulp-platform/pulp-runtime: Marsellus link.ld (L1 128 KiB at 0x10000000, L2 1 MiB at
 *    0x1c000000), properties.h (16 cores, mchan v7, event unit v3), memory_map.h (cluster
 *    peripherals at cluster base + 0x200000, demux peripherals at + 0x204000, event unit demux at
 *    + 0x0, mchan demux at + 0x400) — pulp.md §1–2;
 *  - [EU] pulp-runtime archi/eu/eu_v3.h: barrier area at demux + 0x200, "trigger, wait and clear"
 *    register at + 0x1c;
 *  - [CL] pulp-platform/pulp_cluster branch `xpulpnn`: 32 TCDM banks, NB_DMAS = 4 TCDM ports,
 *    64-bit cluster→SoC AXI, MCHAN_BURST_LENGTH = 256, NB_OUTSND_BURSTS = 8 — pulp.md §2;
 *  - [LIC] pulp-platform/cluster_interconnect tcdm_interconnect README: single-cycle round-robin
 *    arbitration per bank, losers retry — pulp.md §2;
 *  - [SCU] F. Glaser et al., "Hardware-Accelerated Energy-Efficient Synchronization and
 *    Communication for Ultra-Low-Power Tightly Coupled Clusters", DATE 2019 (abstract): a barrier
 *    latency of eleven cycles, independent of the number of cores.
 */
import { PULP_ICACHE, type ICacheConfig } from '../core/timing.js';

/** The cluster's address map (byte addresses). */
export interface ClusterAddressMap {
  /** First byte of the TCDM (L1). */
  readonly tcdmBase: number;
  /** First byte of L2. */
  readonly l2Base: number;
  /** The event unit's per-core ("demux") window; a core's accesses there concern itself. */
  readonly eventUnitBase: number;
  readonly eventUnitBytes: number;
  /** Offset in the event-unit window of barrier 0's "trigger, wait and clear" register (p.elw). */
  readonly barrierWaitOffset: number;
  /** The DMA's per-core ("demux") register window (the model's own register layout, see dma.ts). */
  readonly dmaBase: number;
  readonly dmaBytes: number;
}

/** Everything the cluster model needs besides the core timing. */
export interface ClusterParams {
  readonly name: string;
  readonly cores: number;
  readonly tcdmBytes: number;
  readonly tcdmBanks: number;
  readonly l2Bytes: number;
  /** Cycles of a core's load/store to L2, from the request to the grant (≥ 1). */
  readonly l2LatencyCycles: number;
  /** DMA: bytes moved per cycle between L2 and the TCDM (the AXI data width). */
  readonly dmaBytesPerCycle: number;
  /** DMA: TCDM ports (one 32-bit word each per cycle). */
  readonly dmaTcdmPorts: number;
  /** DMA: bytes per AXI burst; a transfer (or a 2-D row) is cut into bursts of at most this. */
  readonly dmaBurstBytes: number;
  /** DMA: bursts in flight on the AXI side at once. */
  readonly dmaMaxOutstandingBursts: number;
  /** DMA: transfers queued or in flight at once; a further command waits. */
  readonly dmaMaxTransfers: number;
  /** DMA: cycles from a burst's request to its first data (L2 → TCDM) or to its write ack. */
  readonly dmaL2LatencyCycles: number;
  /** Cycles from the last core's arrival at the barrier (its p.elw) to every core's release. */
  readonly barrierLatencyCycles: number;
  /** The cluster's instruction cache (private + shared), or null for an ideal one. */
  readonly icache: ICacheConfig | null;
  readonly map: ClusterAddressMap;
}

/** The Marsellus-like address map (pulp-runtime, Marsellus chip files). */
export const MARSELLUS_MAP: ClusterAddressMap = {
  tcdmBase: 0x1000_0000,
  l2Base: 0x1c00_0000,
  eventUnitBase: 0x1020_4000,
  eventUnitBytes: 0x400,
  barrierWaitOffset: 0x200 + 0x1c,
  dmaBase: 0x1020_4400,
  dmaBytes: 0x400,
};

/** The Marsellus cluster (pulp.md §1–2). */
export const MARSELLUS_CLUSTER: ClusterParams = {
  name: 'marsellus',
  cores: 16,
  tcdmBytes: 128 * 1024,
  tcdmBanks: 32,
  l2Bytes: 1024 * 1024,
  l2LatencyCycles: 10,
  dmaBytesPerCycle: 8,
  dmaTcdmPorts: 4,
  dmaBurstBytes: 256,
  dmaMaxOutstandingBursts: 8,
  dmaMaxTransfers: 16,
  dmaL2LatencyCycles: 10,
  barrierLatencyCycles: 11,
  icache: PULP_ICACHE,
  map: MARSELLUS_MAP,
};

/** Where each figure of MARSELLUS_CLUSTER comes from. */
export const MARSELLUS_CLUSTER_SOURCES: Readonly<Record<string, string>> = {
  cores: '[S] pulp.md §1: P-MARS abstract; RT properties.h ARCHI_CLUSTER_NB_PE 16',
  tcdmBytes: '[S] pulp.md §2: RT link.ld L1 region 0x10000004 + 0x1fffc (128 KiB)',
  tcdmBanks:
    '[S] pulp.md §2: CL xpulpnn pulp_cluster.sv NB_TCDM_BANKS=32 (not confirmed as the taped-out value)',
  l2Bytes: '[S] pulp.md §2: RT link.ld L2 region 0x1c000004 + 0xffffc (1 MiB)',
  l2LatencyCycles:
    'estimate: no source found; an L2 access through the cluster bus and the SoC interconnect, consistent with the I-cache L2 refill estimate in core/timing.ts (12 = 10 + two 64-bit beats)',
  dmaBytesPerCycle: '[D] pulp.md §2: 64-bit cluster↔SoC AXI data path (AXI_DATA_C2S_WIDTH=64) → 8 B/cycle',
  dmaTcdmPorts: '[S] pulp.md §2: CL pulp_cluster.sv NB_DMAS=4',
  dmaBurstBytes: '[S] pulp.md §2: CL pulp_cluster.sv MCHAN_BURST_LENGTH=256',
  dmaMaxOutstandingBursts: '[S] pulp.md §2: CL pulp_cluster.sv NB_OUTSND_BURSTS=8',
  dmaMaxTransfers: 'estimate: mchan transfer-id counters; no Marsellus figure found',
  dmaL2LatencyCycles: 'estimate: same L2 access latency as l2LatencyCycles, no source found',
  barrierLatencyCycles:
    '[S] SCU (Glaser et al., DATE 2019, abstract): barrier latency of eleven cycles, independent of the core count (measured on an 8-core 22 nm cluster, not Marsellus)',
  icache: '[S] core/timing.ts PULP_ICACHE (pulp.md §2, refill latencies estimates)',
  'map.tcdmBase': '[S] pulp.md §2: RT link.ld L1 at 0x10000000 (+4)',
  'map.l2Base': '[S] pulp.md §2: RT link.ld L2 at 0x1c000000 (+4)',
  'map.eventUnitBase':
    '[S] RT memory_map.h: ARCHI_DEMUX_PERIPHERALS_OFFSET 0x204000 + ARCHI_EU_DEMUX_OFFSET 0x0 on cluster base 0x10000000',
  'map.barrierWaitOffset':
    '[S] EU eu_v3.h: EU_BARRIER_DEMUX_OFFSET 0x200 + EU_HW_BARR_TRIGGER_WAIT_CLEAR 0x1c',
  'map.dmaBase':
    "[S] RT memory_map.h: ARCHI_MCHAN_DEMUX_OFFSET 0x400 in the demux window; the register layout inside is the model's own (dma.ts)",
};

/** A copy of `p` with some fields replaced (e.g. fewer banks for a sweep). */
export function withParams(p: ClusterParams, changes: Partial<Omit<ClusterParams, 'map'>>): ClusterParams {
  return { ...p, ...changes };
}

/** All problems with a parameter set (empty when it is usable). */
export function checkParams(p: ClusterParams): string[] {
  const e: string[] = [];
  const posInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) e.push(`${name} = ${v}: expected a positive integer`);
  };
  posInt('cores', p.cores);
  posInt('tcdmBanks', p.tcdmBanks);
  posInt('tcdmBytes', p.tcdmBytes);
  posInt('l2Bytes', p.l2Bytes);
  posInt('l2LatencyCycles', p.l2LatencyCycles);
  posInt('dmaBytesPerCycle', p.dmaBytesPerCycle);
  posInt('dmaTcdmPorts', p.dmaTcdmPorts);
  posInt('dmaBurstBytes', p.dmaBurstBytes);
  posInt('dmaMaxOutstandingBursts', p.dmaMaxOutstandingBursts);
  posInt('dmaMaxTransfers', p.dmaMaxTransfers);
  posInt('dmaL2LatencyCycles', p.dmaL2LatencyCycles);
  if (!Number.isInteger(p.barrierLatencyCycles) || p.barrierLatencyCycles < 0)
    e.push(`barrierLatencyCycles = ${p.barrierLatencyCycles}: expected an integer ≥ 0`);
  if (p.tcdmBytes % (4 * p.tcdmBanks) !== 0)
    e.push(`tcdmBytes = ${p.tcdmBytes}: expected a multiple of 4 × tcdmBanks (${4 * p.tcdmBanks})`);
  if (p.dmaBytesPerCycle % 4 !== 0)
    e.push(`dmaBytesPerCycle = ${p.dmaBytesPerCycle}: expected a multiple of 4`);
  if (p.dmaBytesPerCycle > 4 * p.dmaTcdmPorts)
    e.push(`dmaBytesPerCycle = ${p.dmaBytesPerCycle}: more than dmaTcdmPorts × 4 bytes`);
  if (p.dmaBurstBytes % p.dmaBytesPerCycle !== 0)
    e.push(`dmaBurstBytes = ${p.dmaBurstBytes}: expected a multiple of dmaBytesPerCycle`);
  if (p.cores > 32) e.push(`cores = ${p.cores}: at most 32 (one bit each in the event unit)`);
  return e;
}
