/**
 * Energy of one riscv-cluster layer from its action counts and the preset's energy table
 * (hw-configs/riscv-cluster/*.yaml, `energy:`): Σ count × pJ per action × (V / V_ref)², plus the
 * operating point's leakage power × the layer's time. The cost layer's roll-up (src/cost/rollup.ts)
 * prices the systolic inventory's actions only, so this target prices its own actions and reports
 * the figures in the layer's extra fields (docs/riscv-cluster-target.md).
 */
import type { ActionCounts } from '../types.js';
import type { EnergyAction, RiscvClusterSpec } from './spec.js';

/** Which counts each energy action applies to, and the group it is reported under. */
export const ENERGY_COUNTS: Readonly<
  Record<EnergyAction, { readonly counts: readonly string[]; readonly group: string }>
> = {
  'core.instruction': { counts: ['cores.insn.total'], group: 'cores' },
  'core.mul': { counts: ['cores.insn.mul', 'cores.insn.mulh', 'cores.insn.div'], group: 'cores' },
  'core.mac.int32': { counts: ['cores.mac.int32'], group: 'cores' },
  'core.mac.int16': { counts: ['cores.mac.int16'], group: 'cores' },
  'core.mac.int8': { counts: ['cores.mac.int8'], group: 'cores' },
  'core.mac.int4': { counts: ['cores.mac.int4'], group: 'cores' },
  'core.mac.int2': { counts: ['cores.mac.int2'], group: 'cores' },
  'tcdm.word': {
    counts: ['cores.data.read', 'cores.data.write', 'rbe.l1.word.read', 'rbe.l1.word.write'],
    group: 'tcdm',
  },
  'dma.byte': { counts: ['dma.bytes'], group: 'dma' },
  'rbe.bitop': { counts: ['rbe.bitop'], group: 'rbe' },
  'rbe.accumulate': { counts: ['rbe.accumulator.update'], group: 'rbe' },
  'rbe.normquant': { counts: ['rbe.normquant.op'], group: 'rbe' },
  'rbe.buffer.write': { counts: ['rbe.inputbuffer.write'], group: 'rbe' },
};

export interface LayerEnergy {
  readonly totalPj: number;
  /** By group: cores, tcdm, dma, rbe, leakage. */
  readonly byGroupPj: Readonly<Record<string, number>>;
}

/** (V / V_ref)²: the dynamic-energy factor of the chosen operating point. */
export function voltageFactor(spec: RiscvClusterSpec): number {
  return (spec.operatingPoint.voltageV / spec.energyReferenceVoltageV) ** 2;
}

export function layerEnergy(counts: ActionCounts, cycles: number, spec: RiscvClusterSpec): LayerEnergy {
  const k = voltageFactor(spec);
  const byGroupPj: Record<string, number> = { cores: 0, tcdm: 0, dma: 0, rbe: 0, leakage: 0 };
  for (const [action, m] of Object.entries(ENERGY_COUNTS) as [
    EnergyAction,
    (typeof ENERGY_COUNTS)[EnergyAction],
  ][]) {
    let n = 0;
    for (const c of m.counts) n += counts[c] ?? 0;
    byGroupPj[m.group] = (byGroupPj[m.group] ?? 0) + n * spec.energyPj[action].pj * k;
  }
  // mW × s = mJ = 1e9 pJ
  byGroupPj.leakage = spec.operatingPoint.leakageMw * (cycles / spec.operatingPoint.clockHz) * 1e9;
  const totalPj = Object.values(byGroupPj).reduce((a, b) => a + b, 0);
  return { totalPj, byGroupPj };
}
