/**
 * Timing of a RI5CY-class core and of the cluster's hierarchical instruction cache, as data with
 * sources. No constant lives in the core's or the cache's code; both read these tables (a preset
 * may pass others).
 *
 * Sources:
 *  - [GV] GVSoC @3fa3b97, `models/cpu/iss/isa_gen/isa_pulp_gen.py` class `Riscy` (load and mul
 *    result latency 2, mulh 5 cycles), `include/perf.hpp` (taken branch +2, jump +1),
 *    `include/pulp_nn.hpp` (`qnt_step`: pv.qnt.n), `include/pulp_v2.hpp` (hardware loops jump back
 *    without a penalty); collected in reference/pulp.md "Core pipeline timing (RI5CY-class), as
 *    modelled by gvsoc".
 *  - [CV] CV32E40P user manual (openhwgroup/cv32e40p, docs/source/pipeline.rst, table "Cycle counts
 *    per instruction type"), RI5CY's successor, for what GVSoC's RI5CY model leaves out: the
 *    divider (3..35 cycles by the divisor's leading zeros) and misaligned accesses (two bus
 *    transactions).
 *  - [IC] pulp-platform/hier-icache `RTL/TOP/icache_hier_top.sv` (line = one 128-bit fetch word)
 *    and the `xpulpnn` branch of pulp_cluster (private 512 B 4-way, shared 4 KiB 4-way), reference/
 *    pulp.md §2. No source gives the refill latencies: they are labelled estimates.
 */

/** Core pipeline timing (cycles). */
export interface CoreTiming {
  /** A load's result is usable this many cycles after the load (a dependent next instruction stalls latency − 1). */
  readonly loadResultLatencyCycles: number;
  /** Same for `mul`. */
  readonly mulResultLatencyCycles: number;
  /** Same for the XpulpNN MAC&LOAD special registers loaded by pv.mlsdot*. */
  readonly nnSprLoadResultLatencyCycles: number;
  /** mulh / mulhsu / mulhu occupy the core this many cycles. */
  readonly mulhCycles: number;
  /** div/divu/rem/remu take divMinCycles + leading zeros of the divisor's magnitude × divCyclesPerLeadingZero. */
  readonly divMinCycles: number;
  readonly divCyclesPerLeadingZero: number;
  /** Extra cycles after a taken branch. */
  readonly takenBranchPenaltyCycles: number;
  /** Extra cycles after a jump (jal, jalr). */
  readonly jumpPenaltyCycles: number;
  /** Extra cycles when a hardware loop jumps back to its start (zero-overhead loops: 0). */
  readonly hwLoopJumpBackPenaltyCycles: number;
  /** Extra cycles of a load/store whose halfword or word crosses a word boundary. */
  readonly misalignedAccessExtraCycles: number;
  /** Cycles of a CSR access. */
  readonly csrAccessCycles: number;
  /** pv.qnt.n: cycles before its first threshold load, and after its last. */
  readonly qntSetupCycles: number;
  readonly qntFinishCycles: number;
}

/** RI5CY as modelled by GVSoC, completed from the CV32E40P manual where GVSoC is silent. */
export const RI5CY_TIMING: CoreTiming = {
  loadResultLatencyCycles: 2,
  mulResultLatencyCycles: 2,
  nnSprLoadResultLatencyCycles: 1,
  mulhCycles: 5,
  divMinCycles: 3,
  divCyclesPerLeadingZero: 1,
  takenBranchPenaltyCycles: 2,
  jumpPenaltyCycles: 1,
  hwLoopJumpBackPenaltyCycles: 0,
  misalignedAccessExtraCycles: 1,
  csrAccessCycles: 1,
  qntSetupCycles: 1,
  qntFinishCycles: 1,
};

/** Where each figure of RI5CY_TIMING comes from. */
export const RI5CY_TIMING_SOURCES: Readonly<Record<keyof CoreTiming, string>> = {
  loadResultLatencyCycles:
    '[GV] isa_pulp_gen.py Riscy: out-reg latency 2 for "load" insns (pulp.md: load-use stall 1)',
  mulResultLatencyCycles:
    '[GV] isa_pulp_gen.py Riscy: out-reg latency 2 for "mul" (only RV32M mul carries the tag)',
  nnSprLoadResultLatencyCycles:
    '[GV] pulp_nn.hpp: MAC&LOAD SPR loads carry no dependency latency (the kernels reuse an SPR ≥ 4 instructions later)',
  mulhCycles: '[GV] isa_pulp_gen.py Riscy: insn latency 5 for "mulh"; [CV] mulh/mulhsu/mulhu 5 cycles',
  divMinCycles: '[CV] pipeline.rst: div/rem 3..35 cycles, 3 when the divisor has no leading zero (GVSoC: 1)',
  divCyclesPerLeadingZero:
    '[CV] pipeline.rst: 35 cycles for a zero divisor (32 leading zeros) → 1 per leading zero',
  takenBranchPenaltyCycles: '[GV] perf.hpp iss_perf_account_taken_branch: +2; [CV] taken branch 3 cycles',
  jumpPenaltyCycles: '[GV] perf.hpp iss_perf_account_jump: +1; [CV] jump 2 cycles',
  hwLoopJumpBackPenaltyCycles:
    '[GV] pulp_v2.hpp hwloop_check_exec returns the start instruction directly; [CV] zero stall',
  misalignedAccessExtraCycles:
    '[CV] pipeline.rst: a non-aligned word or a word-crossing halfword takes 2 bus transactions',
  csrAccessCycles: '[GV] no CSR penalty modelled ([CV] charges 4 for some M-mode CSRs; not modelled)',
  qntSetupCycles: '[GV] pulp_nn.hpp qnt_step: step 0 replays the instruction once before the first load',
  qntFinishCycles:
    '[GV] pulp_nn.hpp qnt_step: the last step sets insn_cycles = 2 (one cycle after the 4th load)',
};

/** Geometry of one cache level. */
export interface CacheGeometry {
  readonly sizeBytes: number;
  readonly ways: number;
  readonly lineBytes: number;
}

/** The cluster's two-level instruction cache: a private level per core and a shared level. */
export interface ICacheConfig {
  readonly private: CacheGeometry;
  /** null: no shared level (private misses refill from L2 directly). */
  readonly shared: CacheGeometry | null;
  /** Extra cycles of a fetch that misses the private level and hits the shared one. */
  readonly sharedHitRefillCycles: number;
  /** Further extra cycles when the shared level misses too (refill from L2). */
  readonly l2RefillCycles: number;
}

/** The Marsellus-era cluster instruction cache. */
export const PULP_ICACHE: ICacheConfig = {
  private: { sizeBytes: 512, ways: 4, lineBytes: 16 },
  shared: { sizeBytes: 4096, ways: 4, lineBytes: 16 },
  sharedHitRefillCycles: 2,
  l2RefillCycles: 12,
};

/** Where each figure of PULP_ICACHE comes from. */
export const PULP_ICACHE_SOURCES: Readonly<Record<string, string>> = {
  'private.sizeBytes': '[IC] pulp_cluster xpulpnn icache_hier_top instantiation: 512 B private per core',
  'private.ways': '[IC] pulp_cluster xpulpnn instantiation: 4-way (IP default 2-way)',
  'private.lineBytes': '[IC] icache_hier_top.sv PRI_CACHE_LINE = 1 word of FETCH_DATA_WIDTH = 128 bit',
  'shared.sizeBytes': '[IC] icache_hier_top.sv SH_CACHE_SIZE = 4 KiB',
  'shared.ways': '[IC] icache_hier_top.sv SH_NB_WAYS = 4',
  'shared.lineBytes': '[IC] icache_hier_top.sv SH_CACHE_LINE = 1 word of 128 bit',
  sharedHitRefillCycles: 'estimate: request to the shared banks and 128-bit response, no source found',
  l2RefillCycles: 'estimate: L2 access plus two 64-bit AXI beats for a 16-byte line, no source found',
};
