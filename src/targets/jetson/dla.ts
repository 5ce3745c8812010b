/**
 * One NVDLA-style engine (docs/jetson.md, "DLA"): a convolution MAC array of atomic-C input
 * channels × atomic-K output channels for one output pixel and one kernel tap per cycle, a
 * convolution buffer (CBUF) holding weights and input, and the SDP / PDP / CDP post-processing
 * units (bias, batch norm, activation and element-wise on the fly after the conv; pooling; LRN).
 *
 * Conv cycles, per image and group: Ho·Wo·kh·kw·⌈Cg/atomicC⌉·⌈Kg/atomicK⌉. A layer with fewer
 * input channels than atomic-C packs its kernel columns into the atomic (NVDLA's channel
 * extension for image input): Ho·Wo·kh·⌈Cg·kw/atomicC⌉·⌈Kg/atomicK⌉. In FP16 atomic-C is
 * atomicC × fp16RateFactor. The compute time is those cycles / efficiency (fitted); the DRAM time
 * is the layer's traffic at the DLA's own DRAM efficiency (fitted), where weights larger than half
 * the CBUF are streamed in slices and the input re-read once per slice. A layer costs
 * max(compute, DRAM) + a fixed number of DLA cycles (programming the engine; fitted).
 */
import type { ActionCounts } from '../types.js';
import { elementBytes } from './gpu.js';
import type { DlaSpec, JetsonCalibration, Precision } from './spec.js';

export type DlaWork =
  | {
      readonly kind: 'conv';
      readonly batch: number;
      readonly groups: number;
      readonly outH: number;
      readonly outW: number;
      readonly kh: number;
      readonly kw: number;
      /** Input and output channels per group. */
      readonly cinG: number;
      readonly coutG: number;
      readonly inElements: number;
      readonly weightElements: number;
      readonly outElements: number;
    }
  | {
      /** A post-processing unit run as its own pass (not fused behind a conv). */
      readonly kind: 'pass';
      readonly unit: 'sdp' | 'pdp' | 'cdp';
      readonly ops: number;
      readonly inElements: number;
      readonly outElements: number;
    };

export interface DlaPlan {
  readonly computeCycles: number;
  readonly memoryCycles: number;
  readonly overheadCycles: number;
  readonly cycles: number;
  readonly dramBytes: number;
  /** Array cycles before efficiency (conv) or element operations (pass). */
  readonly atoms: number;
  readonly weightSlices: number;
}

/** Input channels per MAC-array cycle at this precision. */
export function atomicChannels(d: DlaSpec, p: Precision): number {
  return p === 'int8' ? d.atomicC : Math.max(1, Math.floor(d.atomicC * d.fp16RateFactor));
}

/** MAC-array cycles of one conv (all images and groups), before efficiency. */
export function atomicCycles(w: Extract<DlaWork, { kind: 'conv' }>, d: DlaSpec, p: Precision): number {
  const c = atomicChannels(d, p);
  const kSteps = Math.ceil(w.coutG / d.atomicK);
  const perGroup =
    w.cinG < c
      ? w.outH * w.outW * w.kh * Math.ceil((w.cinG * w.kw) / c) * kSteps
      : w.outH * w.outW * w.kh * w.kw * Math.ceil(w.cinG / c) * kSteps;
  return w.batch * w.groups * perGroup;
}

/** Weight slices through half the CBUF (the other half holds the input); 1 when they fit. */
export function weightSlices(weightBytes: number, d: DlaSpec): number {
  return Math.max(1, Math.ceil(weightBytes / (d.cbufBytes / 2)));
}

/** `dramBytesPerS`: the DRAM bandwidth of the mode (peak × mode scale); the DLA's efficiency applies. */
export function planDlaLayer(
  w: DlaWork,
  p: Precision,
  d: DlaSpec,
  cal: JetsonCalibration,
  clockHz: number,
  dramBytesPerS: number,
): DlaPlan {
  const bytes = elementBytes(p);
  let compute: number;
  let dramBytes: number;
  let atoms: number;
  let slices = 1;
  if (w.kind === 'conv') {
    atoms = atomicCycles(w, d, p);
    compute = Math.ceil(atoms / cal.dlaEfficiency);
    slices = weightSlices(w.weightElements * bytes, d);
    dramBytes = (w.inElements * slices + w.weightElements + w.outElements) * bytes;
  } else {
    atoms = w.ops;
    compute = Math.ceil(w.ops / d.passElementsPerCycle);
    dramBytes = (w.inElements + w.outElements) * bytes;
  }
  const memory = Math.ceil((dramBytes / (dramBytesPerS * cal.dlaDramEfficiency)) * clockHz);
  return {
    computeCycles: compute,
    memoryCycles: memory,
    overheadCycles: cal.dlaLayerOverheadCycles,
    cycles: Math.max(compute, memory) + cal.dlaLayerOverheadCycles,
    dramBytes,
    atoms,
    weightSlices: slices,
  };
}

export function dlaCounts(w: DlaWork, p: Precision, d: DlaSpec, plan: DlaPlan): ActionCounts {
  const bytes = elementBytes(p);
  if (w.kind === 'pass') return { 'dla.op': plan.atoms, 'dram.bytes': plan.dramBytes };
  return {
    [`dla.mac.${p}`]: plan.atoms * atomicChannels(d, p) * d.atomicK,
    'dla.cbuf.bytes': 2 * (w.inElements * plan.weightSlices + w.weightElements) * bytes,
    'dram.bytes': plan.dramBytes,
  };
}

export function dlaExtra(
  w: DlaWork,
  p: Precision,
  d: DlaSpec,
  plan: DlaPlan,
): Record<string, number | string> {
  const extra: Record<string, number | string> = {
    kernel:
      w.kind === 'conv'
        ? `DLA conv core (atomic ${atomicChannels(d, p)}x${d.atomicK})`
        : `DLA ${w.unit.toUpperCase()} pass`,
    bound: plan.memoryCycles > plan.computeCycles ? 'memory' : 'compute',
    computeCycles: plan.computeCycles,
    memoryCycles: plan.memoryCycles,
    overheadCycles: plan.overheadCycles,
  };
  if (w.kind === 'conv') {
    extra.atomicCycles = plan.atoms;
    extra.weightSlices = plan.weightSlices;
  }
  return extra;
}
