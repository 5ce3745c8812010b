/**
 * The published measurements the edge targets are calibrated to, as ../shared/reference/edge.md
 * gives them. Nothing else is fitted: scripts/calibrate-edge.ts fits the presets' free parameters
 * to `CALIBRATION` only; `VALIDATION` (MLPerf INT8) is compared with, never fitted to.
 */

export type Workload = 'alexnet' | 'resnet50' | 'vgg16';

export interface Measurement {
  /** Which preset family: the Xavier presets or the NCS. */
  readonly device: 'agx-xavier' | 'ncs';
  /** The unit the layers ran on. */
  readonly engine: 'gpu' | 'dla' | 'vpu';
  /** Power mode (Xavier: maxn, 30w, 15w, 10w; NCS: nominal). */
  readonly mode: string;
  readonly workload: Workload;
  readonly format: 'fp16' | 'fp32';
  readonly inferencesPerS: number;
  readonly inferencesPerSPerW: number;
  readonly source: string;
}

const ICASSP = 'edge.md §4, ICASSP 2023 (Ferraz et al.) results.ods "Table"/"Table_efficiency" [S], batch 1';
const WORKLOADS: readonly Workload[] = ['alexnet', 'resnet50', 'vgg16'];

/** One table row of edge.md §4: inf/s and inf/s/W for AlexNet, ResNet-50, VGG-16. */
function row(
  device: Measurement['device'],
  engine: Measurement['engine'],
  mode: string,
  format: Measurement['format'],
  ips: readonly [number, number, number],
  ipsw: readonly [number, number, number],
  label: string,
): Measurement[] {
  return WORKLOADS.map((workload, i) => ({
    device,
    engine,
    mode,
    workload,
    format,
    inferencesPerS: ips[i]!,
    inferencesPerSPerW: ipsw[i]!,
    source: `${ICASSP}, row "${label}", ${format.toUpperCase()}`,
  }));
}

/**
 * The calibration set: every edge.md §4 row of the modelled devices. Left out: the "15W Desktop"
 * rows (edge.md §4 calls the DLA one anomalous; use "15W"), the DLA "FP32" rows (they equal the
 * FP16 ones: the DLA has no FP32, edge.md §4) and the NCS FP32 row (the NCS computes in FP16;
 * equal to its FP16 row within 10 %).
 */
export const CALIBRATION: readonly Measurement[] = [
  ...row('agx-xavier', 'gpu', 'maxn', 'fp16', [529.4, 342.1, 132.8], [16.6, 11.7, 3.94], 'Xavier GPU MAXN'),
  ...row('agx-xavier', 'gpu', 'maxn', 'fp32', [268.8, 130.2, 50.9], [9.88, 3.66, 1.21], 'Xavier GPU MAXN'),
  ...row('agx-xavier', 'gpu', '30w', 'fp16', [377.6, 237.0, 94.2], [23.1, 18.1, 6.31], 'Xavier GPU 30W'),
  ...row('agx-xavier', 'gpu', '30w', 'fp32', [199.6, 89.2, 35.7], [12.5, 5.81, 1.9], 'Xavier GPU 30W'),
  ...row('agx-xavier', 'gpu', '15w', 'fp16', [299.9, 182.2, 72.9], [24.4, 18.0, 6.43], 'Xavier GPU 15W'),
  ...row('agx-xavier', 'gpu', '15w', 'fp32', [152.8, 68.3, 27.3], [12.8, 6.07, 2.01], 'Xavier GPU 15W'),
  ...row('agx-xavier', 'gpu', '10w', 'fp16', [173.4, 101.2, 34.3], [20.6, 16.7, 4.61], 'Xavier GPU 10W'),
  ...row('agx-xavier', 'gpu', '10w', 'fp32', [92.4, 29.5, 12.2], [11.1, 4.17, 1.47], 'Xavier GPU 10W'),
  ...row('agx-xavier', 'dla', 'maxn', 'fp16', [169.6, 166.8, 53.5], [13.0, 12.1, 3.01], 'Xavier DLA MAXN'),
  ...row('agx-xavier', 'dla', '30w', 'fp16', [140.0, 135.0, 43.9], [15.9, 15.1, 3.87], 'Xavier DLA 30W'),
  ...row('agx-xavier', 'dla', '15w', 'fp16', [112.2, 104.0, 35.1], [14.9, 14.1, 3.91], 'Xavier DLA 15W'),
  ...row('agx-xavier', 'dla', '10w', 'fp16', [83.5, 77.8, 25.2], [12.7, 11.9, 3.32], 'Xavier DLA 10W'),
  ...row('ncs', 'vpu', 'nominal', 'fp16', [19.0, 7.8, 2.0], [11.9, 7.41, 1.19], 'Movidius N/A'),
];

/** Published INT8 results the INT8 model is compared with (never fitted): edge.md §5. */
export interface Int8Reference {
  readonly id: string;
  readonly what: string;
  readonly inferencesPerS: number;
  readonly source: string;
}

export const VALIDATION: readonly Int8Reference[] = [
  {
    id: 'mlperf-singlestream',
    what: 'ResNet-50 v1.5 INT8, batch 1 (SingleStream, mean latency 1.95 ms), GPU, MAXN-class clocks',
    inferencesPerS: 1 / 1.95e-3,
    source: 'edge.md §5 [S]: MLPerf Inference v1.0 AGX_Xavier_TRT SingleStream, p90 1.981 ms, mean 1.95 ms',
  },
  {
    id: 'mlperf-offline',
    what: 'ResNet-50 v1.5 INT8, GPU at batch 64 + both DLAs at batch 32 (Offline)',
    inferencesPerS: 2071.51,
    source:
      'edge.md §5 [S]: MLPerf Inference v1.0 AGX_Xavier_TRT Offline 2071.51 samples/s; config GPU batch 64, DLA batch 32',
  },
];
