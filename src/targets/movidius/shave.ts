/**
 * The Myriad's layer model (docs/movidius.md): SHAVE vector-op issue, the NCE (Myriad X), CMX
 * tiling with DMA to the in-package DRAM, and the USB transfer of a network's inputs and outputs.
 *
 *  - SHAVE conv / dense: FP16 vectors of `lanes` output channels; one vector MAC per cycle per
 *    SHAVE. The work is split over the SHAVEs by output rows or, when that leaves SHAVEs idle, by
 *    output-channel vectors, whichever finishes first:
 *      rows:     ⌈B·G·Ho / S⌉ · Wo·kh·kw·Cg · ⌈Kg/L⌉
 *      channels: ⌈B·G·⌈Kg/L⌉ / S⌉ · Ho·Wo·kh·kw·Cg
 *    divided by the fitted SHAVE efficiency.
 *  - NCE conv / dense (Myriad X): MACs / (NCE MACs per cycle × efficiency).
 *  - Other layers: their simple operations over every SHAVE lane.
 *  - CMX tiling: weights stay in half the CMX when they fit; larger weights are streamed in slices
 *    and the input is re-read once per slice; DMA runs at the DRAM bandwidth × a fitted efficiency.
 *    DMA and compute overlap (double buffering): a layer
 *    takes max(compute, DMA) + a fixed per-layer overhead (fitted).
 *  - USB: the layer that reads a network input first waits for it to arrive over USB, the layer
 *    that writes a network output waits for it to leave (stall cycles).
 */
import type { ActionCounts } from '../types.js';
import type { MovidiusSpec } from './spec.js';

/** FP16 bytes per element. */
export const FP16_BYTES = 2;

export type MovidiusWork =
  | {
      readonly kind: 'conv';
      readonly batch: number;
      readonly groups: number;
      readonly outH: number;
      readonly outW: number;
      readonly kh: number;
      readonly kw: number;
      readonly cinG: number;
      readonly coutG: number;
      readonly macs: number;
      readonly inElements: number;
      readonly weightElements: number;
      readonly outElements: number;
    }
  | {
      readonly kind: 'vector';
      readonly ops: number;
      readonly inElements: number;
      readonly outElements: number;
    };

export interface MovidiusTiming {
  readonly cycles: number;
  readonly computeCycles: number;
  readonly dmaCycles: number;
  readonly usbCycles: number;
  readonly overheadCycles: number;
  readonly counts: ActionCounts;
  readonly extra: Readonly<Record<string, number | string>>;
}

/** SHAVE cycles of a conv before efficiency: the faster of the row and channel-vector splits. */
export function shaveConvCycles(
  w: Extract<MovidiusWork, { kind: 'conv' }>,
  shaves: number,
  lanes: number,
): { cycles: number; split: 'rows' | 'channels'; vectorMacs: number } {
  const vectors = Math.ceil(w.coutG / lanes);
  const tap = w.kh * w.kw * w.cinG;
  const rows = Math.ceil((w.batch * w.groups * w.outH) / shaves) * w.outW * tap * vectors;
  const channels = Math.ceil((w.batch * w.groups * vectors) / shaves) * w.outH * w.outW * tap;
  const vectorMacs = w.batch * w.groups * w.outH * w.outW * tap * vectors * lanes;
  return rows <= channels
    ? { cycles: rows, split: 'rows', vectorMacs }
    : { cycles: channels, split: 'channels', vectorMacs };
}

/** Weight slices through half the CMX (the other half holds input and output tiles); 1 when they fit. */
export function cmxWeightSlices(weightBytes: number, cmxBytes: number): number {
  return Math.max(1, Math.ceil(weightBytes / (cmxBytes / 2)));
}

export interface UsbTransfer {
  readonly inBytes: number;
  readonly outBytes: number;
}

export function movidiusLayer(w: MovidiusWork, spec: MovidiusSpec, usb: UsbTransfer): MovidiusTiming {
  const cal = spec.calibration;
  const counts: ActionCounts = {};
  const extra: Record<string, number | string> = {};
  let compute: number;
  let dmaBytes: number;
  if (w.kind === 'conv') {
    const slices = cmxWeightSlices(w.weightElements * FP16_BYTES, spec.cmxBytes);
    dmaBytes = (w.inElements * slices + w.weightElements + w.outElements) * FP16_BYTES;
    extra.weightSlices = slices;
    const depthwise = w.cinG === 1 && w.groups > 1;
    if (spec.nceMacsPerCycle !== undefined && !depthwise) {
      compute = Math.ceil(w.macs / (spec.nceMacsPerCycle * cal.nceEfficiency));
      counts['nce.mac.fp16'] = w.macs;
      extra.unit = 'nce';
    } else {
      const s = shaveConvCycles(w, spec.shaves, spec.lanes);
      compute = Math.ceil(s.cycles / cal.shaveEfficiency);
      counts['shave.mac.fp16'] = s.vectorMacs;
      extra.unit = 'shave';
      extra.split = s.split;
    }
  } else {
    dmaBytes = (w.inElements + w.outElements) * FP16_BYTES;
    compute = Math.ceil(w.ops / (spec.shaves * spec.lanes * cal.shaveEfficiency));
    counts['shave.op'] = w.ops;
    extra.unit = 'shave';
  }
  // every DMA'd byte is written to the CMX (in) or read from it (out)
  counts['cmx.bytes'] = dmaBytes;
  counts['dram.bytes'] = dmaBytes;
  const dma = Math.ceil((dmaBytes / (spec.dramBytesPerS * cal.dramEfficiency)) * spec.clockHz);
  const usbBytes = usb.inBytes + usb.outBytes;
  const usbCycles = Math.ceil((usbBytes / spec.usbBytesPerS) * spec.clockHz);
  if (usbBytes > 0) extra.usbBytes = usbBytes;
  const overheadCycles = Math.round(cal.layerOverheadS * spec.clockHz);
  return {
    cycles: Math.max(compute, dma) + overheadCycles + usbCycles,
    computeCycles: compute,
    dmaCycles: dma,
    usbCycles,
    overheadCycles,
    counts,
    extra: { ...extra, bound: dma > compute ? 'dma' : 'compute' },
  };
}
