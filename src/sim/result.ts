/**
 * The result object every run produces (DESIGN.md, "The result every run produces"): stable names,
 * canonical key order (the order written here), per-layer results in layer order.
 */
import type { FormatAssignment } from '../config/format-flags.js';
import type { LayerResult } from '../targets/types.js';
import { packageVersion } from '../units/paths.js';
import type { PreparedRun } from './prepare.js';
import type { PricedRun } from '../cost/rollup.js';

export interface SimLayer {
  readonly name: string;
  readonly op: string;
  readonly cycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  readonly utilization: number;
  /** Filled by the cost model; null until a cost model prices this target. */
  readonly energyPj: number | null;
  readonly counts: Readonly<Record<string, number>>;
  /** Energy of this layer by component (inventory item id, and `leakage`), pJ; when priced. */
  readonly energyByComponentPj?: Readonly<Record<string, number>>;
  /** The leakage part of `energyPj`; when priced. */
  readonly leakageEnergyPj?: number;
  readonly [extra: string]: unknown;
}

export interface SimTotals {
  readonly cycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  readonly latencyS: number;
  readonly utilization: number;
  readonly energyPj: number | null;
  readonly areaUm2: number | null;
  readonly powerW: number | null;
  readonly opsPerS: number;
  readonly opsPerJ: number | null;
  readonly inferencesPerS: number;
  /** Inferences per second per watt (= inferences per joule); null until priced. */
  readonly inferencesPerSPerW: number | null;
}

export interface SimResult {
  readonly bitcycle: string;
  readonly target: string;
  readonly preset: string;
  readonly fidelity: string;
  readonly workload: string;
  readonly format: FormatAssignment;
  readonly batch: number;
  readonly clockHz: number;
  /** The operating point the run is timed and priced at (voltage when the target has operating points). */
  readonly operatingPoint: { readonly name: string; readonly clockHz: number; readonly voltageV?: number };
  readonly totals: SimTotals;
  readonly layers: readonly SimLayer[];
  /** Area of each component (inventory item id), µm²; sums to `totals.areaUm2`; when priced. */
  readonly areaByComponentUm2?: Readonly<Record<string, number>>;
  /** Energy per unit of each action, pJ; when priced. */
  readonly actionEnergyPj?: Readonly<Record<string, number>>;
  readonly provenance: Readonly<Record<string, string>>;
}

export function assembleResult(
  run: PreparedRun,
  layers: readonly LayerResult[],
  priced?: PricedRun,
): SimResult {
  const clockHz = run.target.clockHz(run.spec);
  const peak = run.target.peakMacsPerCycle(run.spec);
  let cycles = 0;
  let stallCycles = 0;
  let macs = 0;
  for (const l of layers) {
    cycles += l.cycles;
    stallCycles += l.stallCycles;
    macs += l.macs;
  }
  const latencyS = cycles / clockHz;
  const energyPj = priced === undefined ? null : priced.layers.reduce((s, l) => s + l.energyPj, 0);
  const tech = run.target.technology(run.spec);
  return {
    bitcycle: packageVersion(),
    target: run.target.id,
    preset: run.preset,
    fidelity: run.target.fidelity,
    workload: run.graph.name,
    format: run.formats,
    batch: run.batch,
    clockHz,
    operatingPoint: run.target.operatingPoint?.(run.spec) ?? { name: 'nominal', clockHz },
    totals: {
      cycles,
      stallCycles,
      macs,
      latencyS,
      utilization: cycles > 0 ? macs / (cycles * peak) : 0,
      energyPj,
      areaUm2: priced === undefined ? null : priced.areaUm2,
      powerW: energyPj === null || latencyS <= 0 ? null : energyPj / 1e12 / latencyS,
      opsPerS: latencyS > 0 ? (2 * macs) / latencyS : 0,
      opsPerJ: energyPj === null || energyPj <= 0 ? null : (2 * macs) / (energyPj / 1e12),
      inferencesPerS: latencyS > 0 ? run.batch / latencyS : 0,
      inferencesPerSPerW: energyPj === null || energyPj <= 0 ? null : run.batch / (energyPj / 1e12),
    },
    layers: layers.map((l, i) => {
      const p = priced?.layers[i];
      return {
        name: l.name,
        op: l.op,
        cycles: l.cycles,
        stallCycles: l.stallCycles,
        macs: l.macs,
        utilization: l.utilization,
        energyPj: p === undefined ? null : p.energyPj,
        counts: l.counts,
        ...(p === undefined
          ? {}
          : { energyByComponentPj: p.energyByComponentPj, leakageEnergyPj: p.leakageEnergyPj }),
        ...l.extra,
      };
    }),
    ...(priced === undefined
      ? {}
      : { areaByComponentUm2: priced.areaByComponentUm2, actionEnergyPj: priced.actionEnergyPj }),
    provenance: {
      cycles: `${run.target.id} target, ${run.target.fidelity} model (event engine), layers run one after another`,
      'totals.utilization': `MACs / (cycles × ${peak} MAC units)`,
      'totals.opsPerS': 'a MAC counts as 2 operations',
      ...(priced === undefined
        ? {
            energyPj: 'not computed: the hardware description gives no technology (node, DRAM kind)',
            areaUm2: 'not computed: the hardware description gives no technology (node, DRAM kind)',
          }
        : {
            energyPj: `Σ action counts × energy per action + leakage × time, at ${tech?.nodeNm ?? '?'} nm (hw-configs/tech/; see energy.* entries)`,
            areaUm2: 'Σ inventory items × area (see area.* entries)',
            ...priced.provenance,
          }),
    },
  };
}
