/** Spatial attributes shared by Conv-like ops and pools: kernel, strides, pads (auto_pad), dilations. */
import type { Conv2dAttrs, Pads4, Pair, Shape } from '../../ir.js';
import type { Attrs } from './attrs.js';
import type { ImportContext, OnnxNode } from './context.js';

export interface Window {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads4;
  readonly dilation: Pair;
}

function pair(v: readonly number[] | undefined, fallback: Pair): Pair | undefined {
  if (v === undefined) return fallback;
  return v.length === 2 ? [v[0]!, v[1]!] : undefined;
}

/** Begin / end padding of SAME_UPPER / SAME_LOWER along one axis (output = ceil(input / stride)). */
function samePads(input: number, kernel: number, stride: number, dilation: number, upper: boolean): Pair {
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
  const begin = upper ? Math.floor(total / 2) : Math.ceil(total / 2);
  return [begin, total - begin];
}

/**
 * The 2-D window of a node over x [N, C, H, W]. `kernel` is the kernel_shape (from the weight for
 * convolutions). Issues for non-2-D inputs, malformed lists and unknown auto_pad values.
 */
export function windowOf(
  ctx: ImportContext,
  node: OnnxNode,
  a: Attrs,
  x: Shape,
  kernel: readonly number[] | undefined,
): Window | undefined {
  if (x.length !== 4) {
    ctx.fail(
      node,
      'inputs[0] (X)',
      `shape [${x.join(',')}]`,
      'rank 4 (N, C, H, W): only 2-D windows are read',
    );
    return undefined;
  }
  const k = pair(kernel, [1, 1]);
  const stride = pair(a.ints('strides'), [1, 1]);
  const dilation = pair(a.ints('dilations'), [1, 1]);
  const padsList = a.ints('pads');
  const autoPad = a.string('auto_pad', 'NOTSET');
  const problems: [string, string, string][] = [];
  if (kernel === undefined || k === undefined)
    problems.push(['kernel_shape', String(kernel), 'two kernel dims [kh, kw]']);
  if (stride === undefined) problems.push(['strides', String(a.ints('strides')), 'two strides']);
  if (dilation === undefined) problems.push(['dilations', String(a.ints('dilations')), 'two dilations']);
  if (padsList !== undefined && padsList.length !== 4)
    problems.push(['pads', `[${padsList.join(',')}]`, 'four pads']);
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) {
    problems.push(['auto_pad', JSON.stringify(autoPad), 'NOTSET, VALID, SAME_UPPER or SAME_LOWER']);
  }
  if (autoPad !== 'NOTSET' && padsList !== undefined)
    problems.push(['pads', 'present', `no pads with auto_pad ${autoPad}`]);
  for (const [name, value, expected] of problems) a.fail(name, value, expected);
  if (problems.length > 0 || k === undefined || stride === undefined || dilation === undefined)
    return undefined;
  let pads: Pads4 =
    padsList !== undefined ? [padsList[0]!, padsList[1]!, padsList[2]!, padsList[3]!] : [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const upper = autoPad === 'SAME_UPPER';
    const [t, b] = samePads(x[2]!, k[0], stride[0], dilation[0], upper);
    const [l, r] = samePads(x[3]!, k[1], stride[1], dilation[1], upper);
    pads = [t, l, b, r];
  }
  return { kernel: k, stride, pads, dilation };
}

/** conv2d attrs of a Conv / QLinearConv / ConvInteger node with weight w [M, C/group, kh, kw]. */
export function convAttrsOf(
  ctx: ImportContext,
  node: OnnxNode,
  a: Attrs,
  x: Shape,
  w: Shape,
): Conv2dAttrs | undefined {
  if (w.length !== 4) {
    ctx.fail(node, 'inputs (W)', `shape [${w.join(',')}]`, 'a rank-4 weight [M, C/group, kh, kw]');
    return undefined;
  }
  const kernel = a.ints('kernel_shape') ?? w.slice(2);
  const win = windowOf(ctx, node, a, x, kernel);
  if (win === undefined) return undefined;
  return {
    outChannels: w[0]!,
    kernel: win.kernel,
    stride: win.stride,
    pads: win.pads,
    dilation: win.dilation,
    groups: a.int('group', 1),
  };
}

export const CONV_ATTRS: readonly string[] = [
  'auto_pad',
  'dilations',
  'group',
  'kernel_shape',
  'pads',
  'strides',
];
