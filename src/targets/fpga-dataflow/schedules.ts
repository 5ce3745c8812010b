/**
 * Per-frame token schedules: for each op, the sequence of steps a module runs per frame, and at
 * which steps it reads one word from an input port or writes one word to an output port.
 *
 * A module fires one step per cycle when it can. A step that reads or writes (an "event") can fire
 * only when every word it reads is in its input FIFO and every FIFO it writes has room; a step
 * without I/O (a "silent" step: a MAC fold that neither takes a new input word nor emits a result)
 * always fires. So an unstalled module runs exactly `stepsPerFrame` cycles per frame, and each
 * schedule below is built so that `stepsPerFrame` equals FINN's expected cycles for that op
 * (fpga.md §1.1) — the tests check it against hand-computed values.
 *
 * The orders (which step reads, which step writes) are this project's model of the HLS loop nests
 * [D]; they are causal: a word is written no earlier than the step that reads the last input word
 * it depends on. docs/fpga-dataflow-engine.md explains each and the first-output latency it gives.
 */
import {
  fmpadOutDims,
  modulePorts,
  swgOutDims,
  type ConcatModule,
  type DwcModule,
  type FmPadModule,
  type ModuleSpec,
  type MvauModule,
  type PoolModule,
  type SwgModule,
  type VvauModule,
} from './modules.js';

/**
 * The steps of one frame. `eventSteps` is strictly increasing; the event at `eventSteps[i]` reads
 * one word from every input port whose bit is set in `readMasks[i]` and writes one word to every
 * output port whose bit is set in `writeMasks[i]`. Steps not listed are silent.
 */
export interface FrameSchedule {
  readonly stepsPerFrame: number;
  readonly eventSteps: Int32Array;
  readonly readMasks: Uint32Array;
  readonly writeMasks: Uint32Array;
}

type Emit = (step: number, readMask: number, writeMask: number) => void;

/** Collects the events a generator emits (in step order) into a schedule. */
function build(stepsPerFrame: number, generate: (emit: Emit) => void): FrameSchedule {
  const steps: number[] = [];
  const reads: number[] = [];
  const writes: number[] = [];
  generate((step, r, w) => {
    if (r === 0 && w === 0) return;
    const last = steps.length - 1;
    if (last >= 0 && steps[last]! >= step) throw new Error(`schedule events out of order at step ${step}`);
    steps.push(step);
    reads.push(r);
    writes.push(w);
  });
  return {
    stepsPerFrame,
    eventSteps: Int32Array.from(steps),
    readMasks: Uint32Array.from(reads),
    writeMasks: Uint32Array.from(writes),
  };
}

/** Every step reads input 0 and writes output 0 (thresholding, channelwise, streaming pass-through). */
function oneToOne(words: number, writeMask = 1): FrameSchedule {
  return build(words, (emit) => {
    for (let s = 0; s < words; s++) emit(s, 1, writeMask);
  });
}

/**
 * MVAU: for each of the N input vectors, NF = MH/PE neuron folds of SF = MW/SIMD synapse folds.
 * The vector is read during the first neuron fold (one SIMD word per step, kept in an input
 * buffer); each neuron fold emits its PE outputs at its last synapse fold.
 */
function mvauSchedule(m: MvauModule): FrameSchedule {
  const sf = m.mw / m.simd;
  const nf = m.mh / m.pe;
  return build(m.vectors * nf * sf, (emit) => {
    let s = 0;
    for (let v = 0; v < m.vectors; v++)
      for (let n = 0; n < nf; n++)
        for (let k = 0; k < sf; k++, s++) emit(s, n === 0 ? 1 : 0, k === sf - 1 ? 1 : 0);
  });
}

/**
 * VVAU: per output pixel, C/PE channel folds of kH·kW/SIMD kernel folds; every step reads one word
 * (PE channels × SIMD kernel positions) and each channel fold emits its PE outputs at its last step.
 */
function vvauSchedule(m: VvauModule): FrameSchedule {
  const sf = (m.kernel[0] * m.kernel[1]) / m.simd;
  const nf = m.channels / m.pe;
  return build(m.pixels * nf * sf, (emit) => {
    let s = 0;
    for (let p = 0; p < m.pixels; p++)
      for (let n = 0; n < nf; n++) for (let k = 0; k < sf; k++, s++) emit(s, 1, k === sf - 1 ? 1 : 0);
  });
}

/**
 * SWG, HLS 2D: a fill phase of IFM_W·kH·dilH·(C/SIMD) steps reading one word each (kH·dilH input
 * rows), then per output row max(OFM_W·kW·kH·C/SIMD, stride_W·IFM_W·C/SIMD) steps that write the
 * row's windows (one word per step, from the first step) while reading stride_W further input rows
 * (one word per step, from the first step). Reads stop once the frame's input is all read; the
 * remaining steps of the loop still run, as in FINN's formula.
 */
function swgSchedule(m: SwgModule): FrameSchedule {
  const [ofmH, ofmW] = swgOutDims(m);
  const [kH, kW] = m.kernel;
  const dilH = (m.dilation ?? [1, 1])[0];
  const cf = m.channels / m.simd;
  const ifmW = m.ifm[1];
  const totalIn = m.ifm[0] * ifmW * cf;
  const fill = ifmW * kH * dilH * cf;
  const writesPerRow = ofmW * kW * kH * cf;
  const readsPerRow = m.stride[1] * ifmW * cf;
  const rowSteps = Math.max(writesPerRow, readsPerRow);
  return build(fill + ofmH * rowSteps, (emit) => {
    let read = 0;
    for (let s = 0; s < fill && read < totalIn; s++, read++) emit(s, 1, 0);
    for (let r = 0; r < ofmH; r++) {
      const base = fill + r * rowSteps;
      for (let j = 0; j < rowSteps; j++) {
        const rd = j < readsPerRow && read < totalIn ? 1 : 0;
        read += rd;
        emit(base + j, rd, j < writesPerRow ? 1 : 0);
      }
    }
  });
}

/** FMPadding: one output word per step over the padded map; interior words read one input word. */
function fmpadSchedule(m: FmPadModule): FrameSchedule {
  const [oh, ow] = fmpadOutDims(m);
  const cf = m.channels / m.simd;
  const [top, left] = m.pad;
  return build(oh * ow * cf, (emit) => {
    let s = 0;
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        const inside = y >= top && y < top + m.ifm[0] && x >= left && x < left + m.ifm[1];
        for (let c = 0; c < cf; c++, s++) emit(s, inside ? 1 : 0, 1);
      }
  });
}

/**
 * Pool over SWG windows: per output pixel kH·kW·C/PE steps, each reading one word (the SWG sends a
 * window position by position, C/PE words each); the C/PE results are written over the last C/PE
 * steps, each right when the last word of its channel group arrives.
 */
function poolSchedule(m: PoolModule): FrameSchedule {
  const cf = m.channels / m.pe;
  const perPixel = m.kernel[0] * m.kernel[1] * cf;
  return build(m.outPixels * perPixel, (emit) => {
    let s = 0;
    for (let p = 0; p < m.outPixels; p++)
      for (let j = 0; j < perPixel; j++, s++) emit(s, 1, j >= perPixel - cf ? 1 : 0);
  });
}

/** GlobalAccPool: N·C/PE steps reading (accumulating), then C/PE steps writing the sums. */
function globalAccPoolSchedule(pixels: number, cf: number): FrameSchedule {
  const reads = pixels * cf;
  return build(reads + cf, (emit) => {
    for (let s = 0; s < reads; s++) emit(s, 1, 0);
    for (let s = 0; s < cf; s++) emit(reads + s, 0, 1);
  });
}

/** AddStreams: every step reads one word from each input and writes their sum. */
function addSchedule(words: number): FrameSchedule {
  return build(words, (emit) => {
    for (let s = 0; s < words; s++) emit(s, 0b11, 1);
  });
}

/** Concat: per pixel, C_i/SIMD steps from input i in turn, each passing its word to the output. */
function concatSchedule(m: ConcatModule): FrameSchedule {
  const per = m.channels.map((c) => c / m.simd);
  const perPixel = per.reduce((a, b) => a + b, 0);
  return build(m.pixels * perPixel, (emit) => {
    let s = 0;
    for (let p = 0; p < m.pixels; p++)
      for (let i = 0; i < per.length; i++) for (let j = 0; j < per[i]!; j++, s++) emit(s, 1 << i, 1);
  });
}

/**
 * Width converter [D; FINN models no cycles for it, fpga.md §1.1]: max(in words, out words) steps.
 * Narrowing: one output word per step, an input word read on the step that first needs it.
 * Widening: one input word per step, an output word written on the step that completes it.
 */
function dwcSchedule(m: DwcModule): FrameSchedule {
  const inWords = m.elements / m.inElems;
  const outWords = m.elements / m.outElems;
  if (m.outElems <= m.inElems)
    return build(outWords, (emit) => {
      let read = 0;
      for (let s = 0; s < outWords; s++) {
        const need = Math.ceil(((s + 1) * m.outElems) / m.inElems);
        emit(s, need > read ? 1 : 0, 1);
        read = need;
      }
    });
  return build(inWords, (emit) => {
    let written = 0;
    for (let s = 0; s < inWords; s++) {
      const done = Math.floor(((s + 1) * m.inElems) / m.outElems);
      emit(s, 1, done > written ? 1 : 0);
      written = done;
    }
  });
}

/**
 * The schedule of a module. The output sink's depends on its producer: `sinkWords` is the number of
 * words per frame it receives (one read per step).
 */
export function frameSchedule(m: ModuleSpec, sinkWords = 0): FrameSchedule {
  switch (m.op) {
    case 'input': {
      const words = modulePorts(m).outputs[0]!.wordsPerFrame;
      return build(words, (emit) => {
        for (let s = 0; s < words; s++) emit(s, 0, 1);
      });
    }
    case 'output':
      return build(sinkWords, (emit) => {
        for (let s = 0; s < sinkWords; s++) emit(s, 1, 0);
      });
    case 'mvau':
      return mvauSchedule(m);
    case 'vvau':
      return vvauSchedule(m);
    case 'swg':
      return swgSchedule(m);
    case 'fmpad':
      return fmpadSchedule(m);
    case 'threshold':
    case 'channelwise':
      return oneToOne((m.pixels * m.channels) / m.pe);
    case 'pool':
      return poolSchedule(m);
    case 'globalaccpool':
      return globalAccPoolSchedule(m.pixels, m.channels / m.pe);
    case 'add':
      return addSchedule((m.pixels * m.channels) / m.pe);
    case 'duplicate':
      return oneToOne((m.pixels * m.channels) / m.pe, (1 << m.outputs) - 1);
    case 'concat':
      return concatSchedule(m);
    case 'dwc':
      return dwcSchedule(m);
  }
}

/** Words read per input port and written per output port in one frame of a schedule. */
export function scheduleWordCounts(
  s: FrameSchedule,
  inputs: number,
  outputs: number,
): { reads: number[]; writes: number[] } {
  const reads = new Array<number>(inputs).fill(0);
  const writes = new Array<number>(outputs).fill(0);
  for (let i = 0; i < s.eventSteps.length; i++) {
    for (let p = 0; p < inputs; p++) if ((s.readMasks[i]! >>> p) & 1) reads[p]!++;
    for (let p = 0; p < outputs; p++) if ((s.writeMasks[i]! >>> p) & 1) writes[p]!++;
  }
  return { reads, writes };
}

/** Step of the first write of a frame (the module's own first-output latency), or -1. */
export function firstWriteStep(s: FrameSchedule): number {
  for (let i = 0; i < s.eventSteps.length; i++) if (s.writeMasks[i] !== 0) return s.eventSteps[i]!;
  return -1;
}
