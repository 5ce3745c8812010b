/**
 * Writes a calibration (./fit.ts) into the files it belongs in: the `# >>> calibrated` … `# <<<
 * calibrated` block of each preset (hw-configs/jetson/*.yaml, hw-configs/movidius/*.yaml) and the
 * `# >>> edge targets` … `# <<< edge targets` rows of hw-configs/tech/blocks.yaml. Everything
 * outside the markers is left as it is. Pure: text in, text out.
 */
import { join } from 'node:path';
import { packageRoot } from '../../src/units/paths.js';
import {
  MAXN_GPU_CLOCK_MHZ,
  XAVIER_MODES,
  modePrices,
  sig4,
  type BaseEnergies,
  type EdgeCalibration,
  type ErrorBandValues,
  type PointResult,
  type PowerValues,
} from './fit.js';

export const PRESET_BEGIN = '# >>> calibrated: written by `npm run calibrate:edge`; do not edit by hand';
export const PRESET_END = '# <<< calibrated';
export const ROWS_BEGIN =
  '  # >>> edge targets: written by `npm run calibrate:edge` (scripts/calibrate-edge.ts); do not edit by hand';
export const ROWS_END = '  # <<< edge targets';

/** The files the calibration writes, relative to the package root. */
export const XAVIER_PRESETS = [
  'hw-configs/jetson/agx-xavier-maxn.yaml',
  'hw-configs/jetson/agx-xavier-30w.yaml',
  'hw-configs/jetson/agx-xavier-15w.yaml',
  'hw-configs/jetson/agx-xavier-10w.yaml',
  'hw-configs/jetson/agx-xavier-maxn-dla.yaml',
] as const;
export const NCS_PRESET = 'hw-configs/movidius/ncs.yaml';
export const NCS2_PRESET = 'hw-configs/movidius/ncs2.yaml';
export const BLOCKS = 'hw-configs/tech/blocks.yaml';

export const abs = (rel: string): string => join(packageRoot(), rel);

const ICASSP = 'edge.md §4 (ICASSP 2023, Ferraz et al., batch 1)';
const UPPER: Readonly<Record<string, string>> = { maxn: 'MAXN', '30w': '30W', '15w': '15W', '10w': '10W' };

function band(b: ErrorBandValues | undefined): string {
  return b === undefined
    ? ''
    : `{ inferences_per_s_pct: ${b.inferencesPerSPct}, inferences_per_s_per_w_pct: ${b.inferencesPerSPerWPct}, points: ${b.points} }`;
}

/** The calibrated block shared by every Xavier preset. */
export function renderXavierBlock(cal: EdgeCalibration): string {
  const x = cal.xavier;
  const t = x.timing;
  const lines = [
    PRESET_BEGIN,
    `# Fitted to ${ICASSP}`,
    '# by scripts/calibrate-edge.ts; docs/jetson.md lists every value with the measurements it came',
    '# from and the model error on them. Energy per action and static power of each mode:',
    '# hw-configs/tech/blocks.yaml rows jetson.agx-xavier.<mode>.*, written by the same run.',
    'power_modes:',
  ];
  for (const m of t.modes) {
    const b = x.bands[m.name];
    const maxn = m.name === 'maxn';
    const up = UPPER[m.name] ?? m.name;
    lines.push(
      `  - name: ${m.name}`,
      maxn
        ? `    gpu_clock_mhz: ${m.gpuClockMhz} # edge.md §1 and §7 [S2]: 1377 MHz (jetson_clocks); not fitted`
        : `    gpu_clock_mhz: ${m.gpuClockMhz} # fitted: the 6 "Xavier GPU ${up}" points (AlexNet, ResNet-50, VGG-16; FP16, FP32)`,
      maxn
        ? `    dla_clock_mhz: ${m.dlaClockMhz} # derived: 5 TFLOPS FP16 for 2 DLAs (edge.md §1 [S2]) / (2 × 32 × 32 FP16 MACs, estimate)`
        : `    dla_clock_mhz: ${m.dlaClockMhz} # not fitted: MAXN's; the DLA points' mode dependence is carried by dram_scale`,
      maxn
        ? `    dram_scale: ${m.dramScale} # the full 136.5 GB/s (edge.md §1); not fitted`
        : `    dram_scale: ${m.dramScale} # fitted with gpu_clock_mhz on the same 6 points`,
      maxn
        ? `    source: "GPU clock edge.md §1/§7 [S2]; DLA clock derived from edge.md §1; no fitted value"`
        : `    source: "gpu_clock_mhz and dram_scale fitted to ${ICASSP}, row Xavier GPU ${up}; no clock in the reference"`,
      "    # max |model / measured − 1| over this mode's calibration points (scripts/calibrate-edge.ts)",
      '    error_band:',
      `      gpu: ${band(b?.gpu)}`,
      `      dla: ${band(b?.dla)}`,
    );
  }
  lines.push(
    'calibration:',
    `  source: "scripts/calibrate-edge.ts, fitted to ${ICASSP} only"`,
    '  gpu:',
    `    tensor_efficiency: ${t.tensorEfficiency} # fitted: the 6 "Xavier GPU MAXN" points (FP16, FP32 × AlexNet, ResNet-50, VGG-16)`,
    `    cuda_efficiency: ${t.cudaEfficiency} # fitted: same 6 points`,
    `    dram_efficiency: ${t.dramEfficiency} # fitted: same 6 points`,
    `    kernel_overhead_cycles: ${t.kernelOverheadCycles} # fitted: same 6 points (GPU cycles per kernel)`,
    '  dla:',
    `    efficiency: ${t.dlaEfficiency} # fitted: the 12 "Xavier DLA" FP16 points (4 modes, each at its dram_scale)`,
    `    dram_efficiency: ${t.dlaDramEfficiency} # fitted: same 12 points`,
    `    layer_overhead_cycles: ${t.dlaLayerOverheadCycles} # fitted: same 12 points (DLA cycles per layer)`,
    PRESET_END,
  );
  return lines.join('\n');
}

export function renderNcsBlock(cal: EdgeCalibration): string {
  const n = cal.ncs;
  return [
    PRESET_BEGIN,
    `# Fitted to ${ICASSP}`,
    '# by scripts/calibrate-edge.ts; docs/movidius.md lists the values with the measurements and',
    '# the model error. Energy: hw-configs/tech/blocks.yaml rows movidius.ncs.*.',
    'calibration:',
    `  source: "scripts/calibrate-edge.ts, fitted to ${ICASSP}, row Movidius N/A (FP16) only"`,
    `  shave_efficiency: ${n.shaveEfficiency} # fitted: the 3 NCS FP16 points (AlexNet, ResNet-50, VGG-16)`,
    `  dram_efficiency: ${n.dramEfficiency} # fitted: same 3 points`,
    `  layer_overhead_us: ${n.layerOverheadUs} # not fitted: 3 points carry 2 parameters; 0 = none modelled`,
    '  # max |model / measured − 1| over the calibration points',
    `  error_band: ${band(n.band)}`,
    PRESET_END,
  ].join('\n');
}

export function renderNcs2Block(cal: EdgeCalibration): string {
  const n = cal.ncs;
  return [
    PRESET_BEGIN,
    '# NOT fitted: the reference has no NCS2 measurement. The NCS (Myriad 2) values are transferred',
    '# (estimates); reports carry no error band. Energy: blocks.yaml rows movidius.ncs2.*.',
    'calibration:',
    '  source: "estimate: the NCS fit (scripts/calibrate-edge.ts, edge.md §4) transferred; no NCS2 measurement in the reference"',
    `  shave_efficiency: ${n.shaveEfficiency} # estimate: the NCS's fitted SHAVE efficiency`,
    `  nce_efficiency: ${n.shaveEfficiency} # estimate: the NCS's fitted SHAVE efficiency (no NCE figure in the reference)`,
    `  dram_efficiency: ${n.dramEfficiency} # estimate: the NCS's fitted DRAM efficiency`,
    `  layer_overhead_us: ${n.layerOverheadUs} # estimate: the NCS's fitted per-layer overhead`,
    PRESET_END,
  ].join('\n');
}

interface Row {
  readonly id: string;
  readonly value: number;
  readonly unit: 'pJ' | 'um2';
  readonly source: string;
  readonly nodeNm: number;
  readonly label: 'S' | 'S2' | 'D' | 'estimate';
  readonly note: string;
}

const q = (s: string): string => JSON.stringify(s);

function rowText(r: Row): string {
  return [
    `  - id: ${r.id}`,
    `    value: ${r.value}`,
    `    unit: ${r.unit}`,
    `    source: ${q(r.source)}`,
    `    node_nm: ${r.nodeNm}`,
    '    voltage_v: "unstated"',
    `    label: ${r.label}`,
    `    note: ${q(r.note)}`,
  ].join('\n');
}

function pointList(points: readonly PointResult[]): string {
  return points
    .map(
      (p) =>
        `${p.measurement.engine.toUpperCase()} ${p.measurement.workload} ${p.measurement.format} ${p.measurement.inferencesPerSPerW}`,
    )
    .join(', ');
}

const NO_SCALE =
  "The row's node is the device's own, and the run is priced at that node's nominal supply, so the cost model applies no scaling.";

/** Rows of one mode: static power and each action's energy (base × the group's fitted factor). */
function modeRows(
  prefix: string,
  base: BaseEnergies,
  pw: PowerValues,
  nodeNm: number,
  fitted: string,
  label: Row['label'],
): Row[] {
  const prices = modePrices(base, pw);
  const rows: Row[] = [
    {
      id: `${prefix}static`,
      value: prices['module.static.ns']!,
      unit: 'pJ',
      source: `${fitted}: static power ${pw.staticW} W`,
      nodeNm,
      label,
      note: `Per nanosecond of run time (pJ/ns = mW): the module's static power, everything that does not scale with the layers' actions (leakage, clocks, idle units, CPU, board). ${NO_SCALE}`,
    },
  ];
  const groups = [
    [base.tensor, pw.tensorFactor, 'tensor-core'],
    [base.cuda, pw.cudaFactor, 'CUDA-core'],
    [base.dla, pw.dlaFactor, prefix.startsWith('movidius') ? 'VPU' : 'DLA'],
    [base.mem, pw.memFactor, 'memory'],
  ] as const;
  for (const [group, factor, what] of groups) {
    for (const [action, pj] of Object.entries(group)) {
      rows.push({
        id: `${prefix}${action.replace(/\.bytes$/, '.byte')}`,
        value: prices[action]!,
        unit: 'pJ',
        source: `${fitted}: ${what} factor ${factor} × ${sig4(pj)} pJ, ${base.provenance[action] ?? ''}`,
        nodeNm,
        label,
        note: `Per ${action} action. The fitted factor carries what the cost model's figure leaves out (operand delivery, register files, control, clock tree, interface). ${NO_SCALE}`,
      });
    }
  }
  return rows;
}

/** The edge targets' rows of hw-configs/tech/blocks.yaml. */
export function renderRows(cal: EdgeCalibration): string {
  const x = cal.xavier;
  const n = cal.ncs;
  const rows: Row[] = [
    {
      id: 'edge.area.in-soc',
      value: 0,
      unit: 'um2',
      source: "bookkeeping: the area of this block is part of its device's soc.area row",
      nodeNm: 12,
      label: 'D',
      note: 'The edge targets (jetson, movidius) give one area for the whole SoC; their other blocks point here so that area is not counted twice.',
    },
    {
      id: 'jetson.agx-xavier.soc.area',
      value: 350e6,
      unit: 'um2',
      source:
        'edge.md §1 [S2]: Tegra Xavier, TSMC 12 nm, ~9 B transistors, 350 mm² (WikiChip nvidia/tegra/xavier)',
      nodeNm: 12,
      label: 'S2',
      note: 'The whole SoC (GPU, DLAs, CPUs, PVA, memory controllers). Off-chip DRAM is not included.',
    },
  ];
  for (const mode of XAVIER_MODES) {
    const p = x.power[mode]!;
    const pts = x.points.filter((q2) => q2.measurement.mode === mode);
    rows.push(
      ...modeRows(
        `jetson.agx-xavier.${mode}.`,
        x.base,
        p,
        12,
        `fitted by scripts/calibrate-edge.ts to ${ICASSP} inf/s/W, ${UPPER[mode] ?? mode} (${pointList(pts)}; CUDA-core ×${x.ratios.cuda} and DLA ×${x.ratios.dla} of the tensor-core factor and the memory factor fitted over all modes)`,
        'D',
      ),
    );
  }
  rows.push(
    {
      id: 'movidius.ncs.soc.area',
      value: 27e6,
      unit: 'um2',
      source: 'edge.md §3 [S]: Myriad 2, TSMC 28HPM, 27 mm² (Myriad 2 paper abstract)',
      nodeNm: 28,
      label: 'S',
      note: 'The Myriad 2 die. The in-package LPDDR3 is not included.',
    },
    ...modeRows(
      'movidius.ncs.',
      n.base,
      n.power,
      28,
      `fitted by scripts/calibrate-edge.ts to ${ICASSP} inf/s/W, Movidius (${pointList(n.points)}); DRAM: the in-package LPDDR3 priced at the LPDDR4 row (estimate)`,
      'D',
    ),
    {
      id: 'movidius.ncs2.soc.area',
      value: 27e6,
      unit: 'um2',
      source:
        "estimate: the Myriad 2's 27 mm² at 28 nm (edge.md §3 [S]), scaled by the cost model to the Myriad X's 16 nm; no Myriad X die area in the reference",
      nodeNm: 28,
      label: 'estimate',
      note: 'The Myriad X has more SHAVEs and the NCE, so this underestimates it.',
    },
    ...modeRows(
      'movidius.ncs2.',
      n.ncs2Base,
      n.power,
      16,
      'estimate: the NCS fit (scripts/calibrate-edge.ts) transferred to the Myriad X; no NCS2 measurement in the reference',
      'estimate',
    ),
  );
  return [ROWS_BEGIN, ...rows.map(rowText), ROWS_END].join('\n');
}

/**
 * `text` with the block between `begin` and `end` (marker lines included) replaced by `block`; a
 * text without the markers gets the block appended.
 */
export function replaceBlock(text: string, begin: string, end: string, block: string): string {
  const i = text.indexOf(begin);
  const j = text.indexOf(end, i < 0 ? 0 : i);
  if (i < 0 || j < 0) return `${text.replace(/\n*$/, '\n')}${block}\n`;
  return text.slice(0, i) + block + text.slice(j + end.length);
}

/** Every file the calibration writes, with its new text (from the current text of each). */
export function renderAll(cal: EdgeCalibration, read: (rel: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  const xb = renderXavierBlock(cal);
  for (const f of XAVIER_PRESETS) out.set(f, replaceBlock(read(f), PRESET_BEGIN, PRESET_END, xb));
  out.set(NCS_PRESET, replaceBlock(read(NCS_PRESET), PRESET_BEGIN, PRESET_END, renderNcsBlock(cal)));
  out.set(NCS2_PRESET, replaceBlock(read(NCS2_PRESET), PRESET_BEGIN, PRESET_END, renderNcs2Block(cal)));
  out.set(BLOCKS, replaceBlock(read(BLOCKS), ROWS_BEGIN, ROWS_END, renderRows(cal)));
  out.set(JETSON_DOC, replaceBlock(read(JETSON_DOC), DOC_BEGIN, DOC_END, renderJetsonDoc(cal)));
  out.set(MOVIDIUS_DOC, replaceBlock(read(MOVIDIUS_DOC), DOC_BEGIN, DOC_END, renderMovidiusDoc(cal)));
  return out;
}

export { MAXN_GPU_CLOCK_MHZ };

export const DOC_BEGIN =
  '<!-- >>> calibration: written by `npm run calibrate:edge`; do not edit by hand -->\n<!-- prettier-ignore-start -->';
export const DOC_END = '<!-- prettier-ignore-end -->\n<!-- <<< calibration -->';
export const JETSON_DOC = 'docs/jetson.md';
export const MOVIDIUS_DOC = 'docs/movidius.md';

const signedPct = (model: number, measured: number): string => {
  const e = (100 * (model - measured)) / measured;
  return `${e >= 0 ? '+' : '−'}${Math.abs(e).toFixed(1)} %`;
};

function pointRows(points: readonly PointResult[]): string[] {
  return [
    '| unit | mode | workload | format | measured inf/s | model inf/s | error | measured inf/s/W | model inf/s/W | error |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...points.map((p) => {
      const m = p.measurement;
      return `| ${m.engine.toUpperCase()} | ${m.mode} | ${m.workload} | ${m.format.toUpperCase()} | ${m.inferencesPerS} | ${p.modelInferencesPerS.toFixed(1)} | ${signedPct(p.modelInferencesPerS, m.inferencesPerS)} | ${m.inferencesPerSPerW} | ${p.modelInferencesPerSPerW.toFixed(2)} | ${signedPct(p.modelInferencesPerSPerW, m.inferencesPerSPerW)} |`;
    }),
  ];
}

/** The generated part of docs/jetson.md: fitted values with their data, errors, INT8 check. */
export function renderJetsonDoc(cal: EdgeCalibration): string {
  const x = cal.xavier;
  const t = x.timing;
  const lines = [
    DOC_BEGIN,
    '',
    '#### Fitted parameters and the data each came from',
    '',
    '| parameter (preset field) | value | fitted to (edge.md §4, batch 1) |',
    '|---|---:|---|',
    `| \`calibration.gpu.tensor_efficiency\` | ${t.tensorEfficiency} | GPU MAXN, AlexNet / ResNet-50 / VGG-16 × FP16 / FP32 (6 points) |`,
    `| \`calibration.gpu.cuda_efficiency\` | ${t.cudaEfficiency} | same 6 points |`,
    `| \`calibration.gpu.dram_efficiency\` | ${t.dramEfficiency} | same 6 points |`,
    `| \`calibration.gpu.kernel_overhead_cycles\` | ${t.kernelOverheadCycles} | same 6 points |`,
    `| \`calibration.dla.efficiency\` | ${t.dlaEfficiency} | DLA, all 4 modes × 3 workloads, FP16 (12 points) |`,
    `| \`calibration.dla.dram_efficiency\` | ${t.dlaDramEfficiency} | same 12 points |`,
    `| \`calibration.dla.layer_overhead_cycles\` | ${t.dlaLayerOverheadCycles} | same 12 points |`,
  ];
  for (const m of t.modes.slice(1)) {
    const up = UPPER[m.name] ?? m.name;
    lines.push(
      `| \`power_modes[${m.name}].gpu_clock_mhz\` | ${m.gpuClockMhz} | GPU ${up}, 3 workloads × FP16 / FP32 (6 points) |`,
      `| \`power_modes[${m.name}].dram_scale\` | ${m.dramScale} | same 6 points |`,
    );
  }
  lines.push(
    `| CUDA-core energy / tensor-core energy (× the cost model's ratio) | ${x.ratios.cuda} | inf/s/W, all 36 points |`,
    `| DLA energy / tensor-core energy (× the cost model's ratio) | ${x.ratios.dla} | same 36 points |`,
    `| memory energy factor (L2, CBUF, DRAM bytes) | ${x.ratios.mem} | same 36 points |`,
  );
  for (const mode of XAVIER_MODES) {
    const p = x.power[mode]!;
    const up = UPPER[mode] ?? mode;
    lines.push(
      `| static power, ${up} (row \`jetson.agx-xavier.${mode}.static\`) | ${p.staticW} W | inf/s/W, GPU and DLA ${up} (9 points) |`,
      `| dynamic scale, ${up} (tensor-core factor) | ${p.tensorFactor} | same 9 points |`,
    );
  }
  lines.push(
    '',
    `Not fitted: MAXN's GPU clock ${MAXN_GPU_CLOCK_MHZ} MHz (edge.md §1 [S2]), MAXN's DLA clock ${t.modes[0]?.dlaClockMhz ?? 0} MHz (derived, below), the DLA clock of the other modes (MAXN's; the DLA points' dependence on the mode is carried by the mode's \`dram_scale\`), MAXN's \`dram_scale\` 1.`,
    '',
    '#### Error on the calibration set',
    '',
    'Error bands (max |model / measured − 1| per unit and mode; every layer of a report carries its band):',
    '',
    '| unit | mode | inf/s | inf/s/W | points |',
    '|---|---|---:|---:|---:|',
  );
  for (const mode of XAVIER_MODES) {
    for (const u of ['gpu', 'dla'] as const) {
      const b = x.bands[mode]![u];
      lines.push(
        `| ${u.toUpperCase()} | ${mode} | ±${b.inferencesPerSPct} % | ±${b.inferencesPerSPerWPct} % | ${b.points} |`,
      );
    }
  }
  lines.push(
    '',
    'Every point:',
    '',
    ...pointRows(x.points),
    '',
    '#### INT8 against MLPerf (edge.md §5; never fitted)',
    '',
  );
  lines.push('| what | measured inf/s | model inf/s | error |', '|---|---:|---:|---:|');
  for (const v of cal.validation) {
    lines.push(
      `| ${v.what} | ${v.measuredInferencesPerS.toFixed(1)} | ${v.modelInferencesPerS.toFixed(1)} | ${signedPct(v.modelInferencesPerS, v.measuredInferencesPerS)} |`,
    );
  }
  lines.push('', DOC_END);
  return lines.join('\n');
}

/** The generated part of docs/movidius.md. */
export function renderMovidiusDoc(cal: EdgeCalibration): string {
  const n = cal.ncs;
  return [
    DOC_BEGIN,
    '',
    '#### Fitted parameters and the data each came from',
    '',
    '| parameter | value | fitted to (edge.md §4, "Movidius N/A", FP16, batch 1) |',
    '|---|---:|---|',
    `| \`calibration.shave_efficiency\` (ncs.yaml) | ${n.shaveEfficiency} | AlexNet, ResNet-50, VGG-16 inf/s (3 points) |`,
    `| \`calibration.dram_efficiency\` (ncs.yaml) | ${n.dramEfficiency} | same 3 points |`,
    `| static power (row \`movidius.ncs.static\`) | ${n.power.staticW} W | AlexNet, ResNet-50, VGG-16 inf/s/W (3 points) |`,
    `| dynamic factor (SHAVE, CMX, DRAM rows × the cost model) | ${n.power.dlaFactor} | same 3 points |`,
    '',
    `Not fitted: \`layer_overhead_us\` = ${n.layerOverheadUs} (three points cannot carry a third parameter). The NCS2 preset takes every value above unchanged (estimates; no NCS2 measurement in the reference).`,
    '',
    '#### Error on the calibration set',
    '',
    `NCS: inf/s within ±${n.band.inferencesPerSPct} %, inf/s/W within ±${n.band.inferencesPerSPerWPct} % (${n.band.points} points). NCS2: no band (uncalibrated).`,
    '',
    ...pointRows(n.points),
    '',
    DOC_END,
  ].join('\n');
}
