/**
 * The modules of a FINN-style streaming dataflow pipeline: what each op kind is (shape + folding +
 * stream widths), FINN's expected cycles per frame for it, and the folding rules it must obey.
 *
 * Facts come from ../shared/reference/fpga.md (cited as "fpga.md §…"):
 *  - §1.1 "Per-layer expected cycles, get_exp_cycles()": the cycles-per-frame formula of each op;
 *  - §1.1 "Folding legality": the divisibility rules (docs/finn/internals.rst);
 *  - §1.1 "Stream widths": input = SIMD·A bits, output = PE·O bits for the MVAU;
 *  - §1.2: VVAU and Pool take their SWG's SIMD = their PE; ops that fold with PE vs SIMD.
 * Anything not stated there is marked [D] (derived here) and listed in docs/fpga-dataflow-engine.md.
 *
 * One frame is one image (FINN's batch = 1); a pipeline streams many frames back to back. A stream
 * word is one beat of an AXI stream: `elemsPerWord` elements of `elemBits` bits each.
 *
 * The token schedule of each op (which step reads/writes which port) is in ./schedules.ts.
 */
import type { InputIssue } from '../../units/errors.js';

/** [height, width] (or [kH, kW], [strideH, strideW] …). */
export type Pair = readonly [number, number];

/** Element width used when a module does not give one [D: a convenience default, int8 streams]. */
export const DEFAULT_ELEM_BITS = 8;

interface Named {
  /** Layer name, unique in the pipeline; errors and results name it. */
  readonly name: string;
}

/** Pipeline input (DMA side): one word per cycle, all frames available from cycle 0. */
export interface InputModule extends Named {
  readonly op: 'input';
  readonly channels: number;
  readonly pixels: number;
  readonly simd: number;
  readonly bits?: number;
}

/** Pipeline output: pops one word per cycle whenever one is there (never backpressures). */
export interface OutputModule extends Named {
  readonly op: 'output';
}

/** Matrix-vector activation unit: MW×MH weights, N = vectors per frame (OH·OW for a conv). */
export interface MvauModule extends Named {
  readonly op: 'mvau';
  readonly mw: number;
  readonly mh: number;
  readonly vectors: number;
  readonly pe: number;
  readonly simd: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
  readonly weightBits?: number;
}

/** Vector-vector activation unit (depthwise conv): C channels, kH×kW kernel, H·W output pixels. */
export interface VvauModule extends Named {
  readonly op: 'vvau';
  readonly channels: number;
  readonly kernel: Pair;
  readonly pixels: number;
  readonly pe: number;
  readonly simd: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
  readonly weightBits?: number;
}

/** Sliding-window generator (ConvolutionInputGenerator, HLS 2D form). */
export interface SwgModule extends Named {
  readonly op: 'swg';
  readonly channels: number;
  readonly ifm: Pair;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly dilation?: Pair;
  readonly simd: number;
  readonly bits?: number;
}

/** Feature-map padding: [top, left, bottom, right] pixels of zeros around an H×W map. */
export interface FmPadModule extends Named {
  readonly op: 'fmpad';
  readonly channels: number;
  readonly ifm: Pair;
  readonly pad: readonly [number, number, number, number];
  readonly simd: number;
  readonly bits?: number;
}

/** Multi-threshold activation (quantizer) over N pixels × C channels. */
export interface ThresholdModule extends Named {
  readonly op: 'threshold';
  readonly channels: number;
  readonly pixels: number;
  readonly pe: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
}

/** Per-channel requantize (FINN ChannelwiseOp: scale/shift/add per channel). */
export interface ChannelwiseModule extends Named {
  readonly op: 'channelwise';
  readonly channels: number;
  readonly pixels: number;
  readonly pe: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
}

/** Pool over windows produced by an SWG (FINN Pool): kH×kW windows, `outPixels` = OH·OW. */
export interface PoolModule extends Named {
  readonly op: 'pool';
  readonly channels: number;
  readonly kernel: Pair;
  readonly outPixels: number;
  readonly pe: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
}

/** Global accumulate pool: sums each channel over `pixels` input pixels. */
export interface GlobalAccPoolModule extends Named {
  readonly op: 'globalaccpool';
  readonly channels: number;
  readonly pixels: number;
  readonly pe: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
}

/** Element-wise add of two streams (FINN AddStreams; residual shortcuts). */
export interface AddModule extends Named {
  readonly op: 'add';
  readonly channels: number;
  readonly pixels: number;
  readonly pe: number;
  readonly inputBits?: number;
  readonly outputBits?: number;
}

/** Copies one stream to `outputs` streams (FINN DuplicateStreams; the fork of a residual). */
export interface DuplicateModule extends Named {
  readonly op: 'duplicate';
  readonly channels: number;
  readonly pixels: number;
  readonly pe: number;
  readonly outputs: number;
  readonly bits?: number;
}

/** Channel concatenation of several streams (FINN StreamingConcat), per pixel input 0, 1, … */
export interface ConcatModule extends Named {
  readonly op: 'concat';
  readonly channels: readonly number[];
  readonly pixels: number;
  readonly simd: number;
  readonly bits?: number;
}

/** Stream width converter: `elements` per frame, `inElems` per input word → `outElems` per output word. */
export interface DwcModule extends Named {
  readonly op: 'dwc';
  readonly elements: number;
  readonly inElems: number;
  readonly outElems: number;
  readonly bits?: number;
}

/**
 * One module of a pipeline, as plain data. A later part adds the values: a compute function is
 * looked up by `op` (as graph ops are), and maps a frame's input words (in the order the schedule
 * reads them, port by port) to its output words (in the order it writes them); every schedule here
 * is causal for that (an output word is written no earlier than the step that reads the last input
 * word it needs), so R can carry values in its FIFOs without changing any timing.
 */
export type ModuleSpec =
  | InputModule
  | OutputModule
  | MvauModule
  | VvauModule
  | SwgModule
  | FmPadModule
  | ThresholdModule
  | ChannelwiseModule
  | PoolModule
  | GlobalAccPoolModule
  | AddModule
  | DuplicateModule
  | ConcatModule
  | DwcModule;

export type ModuleOp = ModuleSpec['op'];

/** The shape of one stream port, per frame. */
export interface PortShape {
  readonly wordsPerFrame: number;
  readonly elemsPerWord: number;
  readonly elemBits: number;
}

/** Port bit width of a stream (AXI pads it to a multiple of 8 on the bus, fpga.md §1.1; not here). */
export function widthBits(p: PortShape): number {
  return p.elemsPerWord * p.elemBits;
}

// ---------------------------------------------------------------------------------------------------
// Derived shapes

/** Output size of a window along one axis: ⌊(in − dil·(k−1) − 1)/stride⌋ + 1. */
export function windowOut(inDim: number, k: number, stride: number, dil: number): number {
  return Math.floor((inDim - dil * (k - 1) - 1) / stride) + 1;
}

/** SWG output dims [OFM_H, OFM_W]. */
export function swgOutDims(m: SwgModule): Pair {
  const dil = m.dilation ?? [1, 1];
  return [
    windowOut(m.ifm[0], m.kernel[0], m.stride[0], dil[0]),
    windowOut(m.ifm[1], m.kernel[1], m.stride[1], dil[1]),
  ];
}

/** FMPadding output dims [H + top + bottom, W + left + right]. */
export function fmpadOutDims(m: FmPadModule): Pair {
  return [m.ifm[0] + m.pad[0] + m.pad[2], m.ifm[1] + m.pad[1] + m.pad[3]];
}

function bitsOf(b: number | undefined): number {
  return b ?? DEFAULT_ELEM_BITS;
}

function port(wordsPerFrame: number, elemsPerWord: number, elemBits: number): PortShape {
  return { wordsPerFrame, elemsPerWord, elemBits };
}

/**
 * Input and output ports of a module [widths: fpga.md §1.1 for MVAU (SIMD·A in, PE·O out); the
 * other ops by the same rule with their own folding factor, D]. The output sink has one input port
 * whose shape is its producer's: `inputs` is `undefined` for it.
 */
export function modulePorts(m: ModuleSpec): {
  inputs: readonly PortShape[] | undefined;
  outputs: readonly PortShape[];
} {
  switch (m.op) {
    case 'input':
      return { inputs: [], outputs: [port((m.pixels * m.channels) / m.simd, m.simd, bitsOf(m.bits))] };
    case 'output':
      return { inputs: undefined, outputs: [] };
    case 'mvau':
      return {
        inputs: [port((m.vectors * m.mw) / m.simd, m.simd, bitsOf(m.inputBits))],
        outputs: [port((m.vectors * m.mh) / m.pe, m.pe, bitsOf(m.outputBits))],
      };
    case 'vvau': {
      const k2 = m.kernel[0] * m.kernel[1];
      return {
        // one word = PE channels × SIMD kernel positions [D]
        inputs: [port((m.pixels * m.channels * k2) / (m.pe * m.simd), m.pe * m.simd, bitsOf(m.inputBits))],
        outputs: [port((m.pixels * m.channels) / m.pe, m.pe, bitsOf(m.outputBits))],
      };
    }
    case 'swg': {
      const [oh, ow] = swgOutDims(m);
      const cf = m.channels / m.simd;
      return {
        inputs: [port(m.ifm[0] * m.ifm[1] * cf, m.simd, bitsOf(m.bits))],
        outputs: [port(oh * ow * m.kernel[0] * m.kernel[1] * cf, m.simd, bitsOf(m.bits))],
      };
    }
    case 'fmpad': {
      const [oh, ow] = fmpadOutDims(m);
      const cf = m.channels / m.simd;
      return {
        inputs: [port(m.ifm[0] * m.ifm[1] * cf, m.simd, bitsOf(m.bits))],
        outputs: [port(oh * ow * cf, m.simd, bitsOf(m.bits))],
      };
    }
    case 'threshold':
    case 'channelwise': {
      const words = (m.pixels * m.channels) / m.pe;
      return {
        inputs: [port(words, m.pe, bitsOf(m.inputBits))],
        outputs: [port(words, m.pe, bitsOf(m.outputBits))],
      };
    }
    case 'pool': {
      const k2 = m.kernel[0] * m.kernel[1];
      return {
        inputs: [port((m.outPixels * k2 * m.channels) / m.pe, m.pe, bitsOf(m.inputBits))],
        outputs: [port((m.outPixels * m.channels) / m.pe, m.pe, bitsOf(m.outputBits))],
      };
    }
    case 'globalaccpool':
      return {
        inputs: [port((m.pixels * m.channels) / m.pe, m.pe, bitsOf(m.inputBits))],
        outputs: [port(m.channels / m.pe, m.pe, bitsOf(m.outputBits))],
      };
    case 'add': {
      const words = (m.pixels * m.channels) / m.pe;
      const a = port(words, m.pe, bitsOf(m.inputBits));
      return { inputs: [a, a], outputs: [port(words, m.pe, bitsOf(m.outputBits))] };
    }
    case 'duplicate': {
      const p = port((m.pixels * m.channels) / m.pe, m.pe, bitsOf(m.bits));
      return { inputs: [p], outputs: Array.from({ length: m.outputs }, () => p) };
    }
    case 'concat': {
      const total = m.channels.reduce((a, c) => a + c, 0);
      return {
        inputs: m.channels.map((c) => port((m.pixels * c) / m.simd, m.simd, bitsOf(m.bits))),
        outputs: [port((m.pixels * total) / m.simd, m.simd, bitsOf(m.bits))],
      };
    }
    case 'dwc':
      return {
        inputs: [port(m.elements / m.inElems, m.inElems, bitsOf(m.bits))],
        outputs: [port(m.elements / m.outElems, m.outElems, bitsOf(m.bits))],
      };
  }
}

// ---------------------------------------------------------------------------------------------------
// FINN's expected cycles per frame (fpga.md §1.1, get_exp_cycles), coded from the formulas alone

/**
 * FINN's expected cycles per frame of an op (fpga.md §1.1), with batch = 1. `null` for the ops FINN
 * does not model (the width converter, whose base class returns 0) and for the pipeline ends.
 */
export function finnExpectedCycles(m: ModuleSpec): number | null {
  switch (m.op) {
    case 'mvau':
      // (MH/PE)·(MW/SIMD)·N
      return (m.mh / m.pe) * (m.mw / m.simd) * m.vectors;
    case 'vvau':
      // (C·kH·kW/PE/SIMD)·(H·W)
      return ((m.channels * m.kernel[0] * m.kernel[1]) / m.pe / m.simd) * m.pixels;
    case 'threshold':
    case 'channelwise':
    case 'add':
    case 'duplicate':
      // prod(folded_output_shape[:-1]) = N·C/PE
      return (m.pixels * m.channels) / m.pe;
    case 'concat':
      // prod(folded_output_shape[:-1]) = N·ΣC/SIMD
      return (m.pixels * m.channels.reduce((a, c) => a + c, 0)) / m.simd;
    case 'globalaccpool':
      // prod(folded_input_shape[:-1]) + C/PE
      return (m.pixels * m.channels) / m.pe + m.channels / m.pe;
    case 'pool':
      // (C·prod(k)/PE)·prod(OutImgDims)
      return ((m.channels * m.kernel[0] * m.kernel[1]) / m.pe) * m.outPixels;
    case 'fmpad': {
      // (C/SIMD)·OH_pad·OW_pad
      const [oh, ow] = fmpadOutDims(m);
      return (m.channels / m.simd) * oh * ow;
    }
    case 'swg': {
      // HLS 2D: IFM_W·kH·dil_H·(C/SIMD) + OFM_H·max(OFM_W·kW·kH·C/SIMD, stride_W·IFM_W·C/SIMD)
      const [ofmH, ofmW] = swgOutDims(m);
      const [kH, kW] = m.kernel;
      const dilH = (m.dilation ?? [1, 1])[0];
      const cf = m.channels / m.simd;
      const ifmW = m.ifm[1];
      return ifmW * kH * dilH * cf + ofmH * Math.max(ofmW * kW * kH * cf, m.stride[1] * ifmW * cf);
    }
    case 'dwc':
    case 'input':
    case 'output':
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Folding legality and shape checks

const FOLDING_RULES = 'reference fpga.md §1.1 "Folding legality" (FINN docs/finn/internals.rst)';

/** Where a module sits, for messages: `layer "conv1" (mvau, modules[2])`. */
export function layerLabel(m: Pick<ModuleSpec, 'name' | 'op'>, index: number): string {
  return `layer ${JSON.stringify(m.name)} (${m.op}, modules[${index}])`;
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** The numeric fields of a module that must be positive integers, with their values. */
function positiveFields(m: ModuleSpec): [string, unknown][] {
  const bits = (...names: ('bits' | 'inputBits' | 'outputBits' | 'weightBits')[]): [string, unknown][] =>
    names.flatMap((n) => {
      const v = (m as unknown as Record<string, unknown>)[n];
      return v === undefined ? [] : [[n, v] as [string, unknown]];
    });
  const pair = (n: string, p: Pair | undefined, required = true): [string, unknown][] => {
    if (p === undefined) return required ? [[n, p]] : [];
    return [
      [`${n}[0]`, p[0]],
      [`${n}[1]`, p[1]],
    ];
  };
  switch (m.op) {
    case 'input':
      return [['channels', m.channels], ['pixels', m.pixels], ['simd', m.simd], ...bits('bits')];
    case 'output':
      return [];
    case 'mvau':
      return [
        ['mw', m.mw],
        ['mh', m.mh],
        ['vectors', m.vectors],
        ['pe', m.pe],
        ['simd', m.simd],
        ...bits('inputBits', 'outputBits', 'weightBits'),
      ];
    case 'vvau':
      return [
        ['channels', m.channels],
        ...pair('kernel', m.kernel),
        ['pixels', m.pixels],
        ['pe', m.pe],
        ['simd', m.simd],
        ...bits('inputBits', 'outputBits', 'weightBits'),
      ];
    case 'swg':
      return [
        ['channels', m.channels],
        ...pair('ifm', m.ifm),
        ...pair('kernel', m.kernel),
        ...pair('stride', m.stride),
        ...pair('dilation', m.dilation, false),
        ['simd', m.simd],
        ...bits('bits'),
      ];
    case 'fmpad':
      return [['channels', m.channels], ...pair('ifm', m.ifm), ['simd', m.simd], ...bits('bits')];
    case 'threshold':
    case 'channelwise':
    case 'globalaccpool':
    case 'add':
      return [
        ['channels', m.channels],
        ['pixels', m.pixels],
        ['pe', m.pe],
        ...bits('inputBits', 'outputBits'),
      ];
    case 'pool':
      return [
        ['channels', m.channels],
        ...pair('kernel', m.kernel),
        ['outPixels', m.outPixels],
        ['pe', m.pe],
        ...bits('inputBits', 'outputBits'),
      ];
    case 'duplicate':
      return [
        ['channels', m.channels],
        ['pixels', m.pixels],
        ['pe', m.pe],
        ['outputs', m.outputs],
        ...bits('bits'),
      ];
    case 'concat':
      return [
        ...m.channels.map((c, i): [string, unknown] => [`channels[${i}]`, c]),
        ['pixels', m.pixels],
        ['simd', m.simd],
        ...bits('bits'),
      ];
    case 'dwc':
      return [['elements', m.elements], ['inElems', m.inElems], ['outElems', m.outElems], ...bits('bits')];
  }
}

/** A divisibility rule: `field` must divide `of` (named `ofName`); `source` says where the rule comes from. */
interface DivRule {
  readonly field: string;
  readonly value: number;
  readonly of: number;
  readonly ofName: string;
  readonly rule: string;
  readonly source: string;
}

function divRules(m: ModuleSpec): DivRule[] {
  const finn = (field: string, value: number, of: number, ofName: string, rule: string): DivRule => ({
    field,
    value,
    of,
    ofName,
    rule,
    source: FOLDING_RULES,
  });
  const derived = (field: string, value: number, of: number, ofName: string, rule: string): DivRule => ({
    field,
    value,
    of,
    ofName,
    rule,
    source: 'a whole number of words per frame [D, docs/fpga-dataflow-engine.md]',
  });
  switch (m.op) {
    case 'input':
      return [derived('simd', m.simd, m.channels, 'C', 'C % SIMD == 0')];
    case 'output':
      return [];
    case 'mvau':
      return [
        finn('simd', m.simd, m.mw, 'MW', 'MW % SIMD == 0'),
        finn('pe', m.pe, m.mh, 'MH', 'MH % PE == 0'),
      ];
    case 'vvau':
      return [
        finn('pe', m.pe, m.channels, 'C', 'C % PE == 0'),
        finn('simd', m.simd, m.kernel[0] * m.kernel[1], 'kH·kW', '(kH·kW) % SIMD == 0'),
      ];
    case 'swg':
    case 'fmpad':
      return [finn('simd', m.simd, m.channels, 'C', 'C % SIMD == 0')];
    case 'threshold':
      return [finn('pe', m.pe, m.channels, 'MH (channels)', 'MH % PE == 0')];
    case 'channelwise':
    case 'pool':
    case 'globalaccpool':
    case 'add':
    case 'duplicate':
      return [finn('pe', m.pe, m.channels, 'C', 'C % PE == 0')];
    case 'concat':
      return m.channels.map((c, i) => ({
        field: 'simd',
        value: m.simd,
        of: c,
        ofName: `channels[${i}]`,
        rule: 'C_i % SIMD == 0',
        source: 'FINN SIMD rule for C (fpga.md §1.1) applied to each input [D]',
      }));
    case 'dwc':
      return [
        derived('inElems', m.inElems, m.elements, 'elements', 'elements % inElems == 0'),
        derived('outElems', m.outElems, m.elements, 'elements', 'elements % outElems == 0'),
      ];
  }
}

/** Shape problems that are not folding rules (windows larger than the map, padding, port counts). */
function shapeIssues(m: ModuleSpec, where: string): InputIssue[] {
  const issues: InputIssue[] = [];
  if (m.op === 'swg') {
    const [oh, ow] = swgOutDims(m);
    if (oh < 1 || ow < 1)
      issues.push({
        path: `${where}.kernel`,
        value: JSON.stringify(m.kernel),
        expected: `a (dilated) window that fits the ${m.ifm[0]}×${m.ifm[1]} input map`,
      });
    else {
      // the HLS schedule reads kH·dilH rows, then stride_W rows per output row (./schedules.ts)
      const dilH = (m.dilation ?? [1, 1])[0];
      if (m.kernel[0] * dilH + oh * m.stride[1] < m.ifm[0])
        issues.push({
          path: `${where}.stride`,
          value: JSON.stringify(m.stride),
          expected: `kH·dilH + OFM_H·stride_W ≥ IFM_H (the HLS SWG reads stride_W rows per output row; FINN formula, fpga.md §1.1)`,
        });
    }
  }
  if (m.op === 'fmpad' && !m.pad.every(isNonNegInt))
    issues.push({
      path: `${where}.pad`,
      value: JSON.stringify(m.pad),
      expected: 'four non-negative integers',
    });
  if (m.op === 'duplicate' && isPosInt(m.outputs) && m.outputs < 2)
    issues.push({
      path: `${where}.outputs`,
      value: String(m.outputs),
      expected: 'at least 2 output streams',
    });
  if (m.op === 'concat' && m.channels.length < 2)
    issues.push({
      path: `${where}.channels`,
      value: JSON.stringify(m.channels),
      expected: 'at least 2 inputs',
    });
  if ((m.op === 'duplicate' && m.outputs > 30) || (m.op === 'concat' && m.channels.length > 30))
    issues.push({ path: where, value: m.name, expected: 'at most 30 ports per module' });
  return issues;
}

/**
 * Every problem with one module: non-integer or non-positive sizes, shapes that do not fit, and
 * folding factors that break a FINN divisibility rule (the message names the layer and the rule).
 */
export function moduleIssues(m: ModuleSpec, index: number): InputIssue[] {
  const where = layerLabel(m, index);
  const issues: InputIssue[] = [];
  for (const [field, v] of positiveFields(m))
    if (!isPosInt(v))
      issues.push({ path: `${where}.${field}`, value: String(v), expected: 'a positive integer' });
  if (issues.length > 0) return issues; // divisibility means nothing on bad numbers
  for (const r of divRules(m))
    if (r.of % r.value !== 0)
      issues.push({
        path: `${where}.${r.field}`,
        value: String(r.value),
        expected: `a divisor of ${r.ofName} = ${r.of} (folding rule ${r.rule}, ${r.source})`,
      });
  if (issues.length > 0) return issues;
  return shapeIssues(m, where);
}
