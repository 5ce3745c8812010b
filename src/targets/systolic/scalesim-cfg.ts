/**
 * SCALE-Sim v2 `.cfg` files (reference/scalesim.md §2), read unchanged into a systolic spec.
 *
 * The file is INI as Python's configparser reads it: `[section]` headers (names case-sensitive),
 * `key = value` or `key: value` (first `=` or `:` splits; keys case-insensitive; key and value
 * trimmed), whole-line comments starting with `#` or `;` (no inline comments: configparser keeps
 * them in the value), indented lines continue the previous value, `[DEFAULT]` values apply to every
 * section, duplicate sections and keys are errors.
 *
 * Mapping (docs/scalesim-compat.md):
 *  - ArrayHeight / ArrayWidth → array rows / cols; Dataflow → os | ws | is; *SramSzkB → sram KiB
 *    (SCALE-Sim reads them with int(): whole kB only); *Offset → address offsets;
 *  - word_bytes 1 (SCALE-Sim's fixed word size), conventions `scalesim`, DRAM latency 0;
 *  - clock: SCALE-Sim has none, bitcycle uses 1000 MHz so that times in µs equal kilo-cycles;
 *  - InterfaceBandwidth CALC: read bandwidth unlimited (SCALE-Sim's CALC read buffers never stall)
 *    and write bandwidth ArrayWidth bytes/cycle (SCALE-Sim's CALC OFMAP buffer drains at ArrayWidth
 *    words/cycle, 1-byte words); USER: read and write bandwidth = the first value of `Bandwidth`
 *    (SCALE-Sim uses only the first, for all three buffers); `Bandwidth` is ignored under CALC;
 *  - MemoryBanks is not read (SCALE-Sim v2 reads it nowhere);
 *  - [network_presets] TopologyCsvLoc (quoted or not) is returned as `topologyPath`.
 */
import { InputError, type InputIssue } from '../../units/errors.js';
import { DATAFLOWS, fromYaml, type Dataflow, type SystolicSpec, type SystolicYaml } from './spec.js';

/** SCALE-Sim has no clock; bitcycle's SCALE-Sim specs run at 1 GHz (1 cycle = 1 ns). */
export const SCALESIM_CLOCK_MHZ = 1000;

/** The same array limit as the YAML spec schema. */
const MAX_ARRAY_DIM = 4096;

export interface ScaleSimCfg {
  readonly runName: string;
  readonly spec: SystolicSpec;
  /** `[network_presets] TopologyCsvLoc`, quotes removed, when present. */
  readonly topologyPath?: string;
}

interface IniValue {
  readonly value: string;
  readonly line: number;
  /** The key as written (configparser lowercases it for lookups). */
  readonly key: string;
}

type IniSection = Map<string, IniValue>;

/** Parsed INI: section name (as written) → lowercased key → value. */
export interface IniDocument {
  readonly sections: ReadonlyMap<string, IniSection>;
}

const DEFAULT_SECTION = 'DEFAULT';

interface IniState {
  readonly file: string;
  readonly issues: InputIssue[];
  readonly sections: Map<string, IniSection>;
  current: IniSection | undefined;
  currentName: string;
  last: { section: IniSection; key: string } | undefined;
}

const isComment = (trimmed: string): boolean => trimmed.startsWith('#') || trimmed.startsWith(';');

/** Parse INI text with configparser's default rules; problems go to `issues`. */
export function parseIni(text: string, file: string, issues: InputIssue[]): IniDocument {
  const state: IniState = {
    file,
    issues,
    sections: new Map(),
    current: undefined,
    currentName: '',
    last: undefined,
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  lines.forEach((raw, i) => {
    iniLine(state, raw, i + 1);
  });
  return { sections: state.sections };
}

function iniLine(state: IniState, raw: string, line: number): void {
  const trimmed = raw.trim();
  if (trimmed === '' || isComment(trimmed)) {
    if (trimmed === '') state.last = undefined;
    return;
  }
  if (/^\s/.test(raw) && state.last !== undefined) {
    continueValue(state.last, trimmed);
    return;
  }
  const header = /^\[(.+)\]$/.exec(trimmed);
  if (header !== null) {
    openSection(state, header[1]!, line);
    return;
  }
  addOption(state, trimmed, line);
}

function continueValue(last: { section: IniSection; key: string }, text: string): void {
  const prev = last.section.get(last.key);
  if (prev !== undefined) last.section.set(last.key, { ...prev, value: `${prev.value}\n${text}` });
}

function openSection(state: IniState, name: string, line: number): void {
  state.last = undefined;
  if (state.sections.has(name)) {
    state.issues.push({
      file: state.file,
      path: `line ${line}`,
      value: `[${name}]`,
      expected: `each section once (configparser rejects a repeated section)`,
    });
  }
  const section = state.sections.get(name) ?? new Map<string, IniValue>();
  state.sections.set(name, section);
  state.current = section;
  state.currentName = name;
}

function addOption(state: IniState, trimmed: string, line: number): void {
  const at = trimmed.search(/[=:]/);
  if (state.current === undefined || at <= 0) {
    state.last = undefined;
    state.issues.push({
      file: state.file,
      path: `line ${line}`,
      value: JSON.stringify(trimmed),
      expected:
        state.current === undefined
          ? 'a section header such as [general] before the first key'
          : 'a `key = value` or `key: value` line, a [section] header, or a comment starting with # or ;',
    });
    return;
  }
  const key = trimmed.slice(0, at).trim();
  const lower = key.toLowerCase();
  if (state.current.has(lower)) {
    state.issues.push({
      file: state.file,
      path: `line ${line}`,
      value: JSON.stringify(key),
      expected: `each key once in [${state.currentName}] (configparser rejects a repeated key)`,
    });
  }
  state.current.set(lower, { key, value: trimmed.slice(at + 1).trim(), line });
  state.last = { section: state.current, key: lower };
}

/** A key's value: the section's own, else [DEFAULT]'s (configparser's fallback). */
export function iniGet(doc: IniDocument, section: string, key: string): IniValue | undefined {
  const lower = key.toLowerCase();
  return doc.sections.get(section)?.get(lower) ?? doc.sections.get(DEFAULT_SECTION)?.get(lower);
}

// ---- fields -------------------------------------------------------------------------------------

class CfgReader {
  readonly issues: InputIssue[] = [];
  doc: IniDocument = { sections: new Map() };

  constructor(readonly file: string) {}

  private add(section: string, key: string, value: string, expected: string): void {
    this.issues.push({ file: this.file, path: `[${section}] ${key}`, value, expected });
  }

  /** The raw value, or undefined with an issue saying the key (or its section) is missing. */
  text(section: string, key: string, expected: string): string | undefined {
    const v = iniGet(this.doc, section, key);
    if (v !== undefined) return v.value;
    const hasSection = this.doc.sections.has(section);
    const near = hasSection ? '' : sectionHint(this.doc, section);
    this.add(
      section,
      key,
      '(missing)',
      `${expected}${hasSection ? '' : ` (no [${section}] section${near})`}`,
    );
    return undefined;
  }

  /** Python int(): optional sign, digits, single underscores between digits, surrounding blanks. */
  int(
    section: string,
    key: string,
    what: string,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number | undefined {
    const expected = `${what}: a whole number ${min > 0 ? `≥ ${min}` : '≥ 0'}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}`;
    const v = this.text(section, key, expected);
    if (v === undefined) return undefined;
    const n = pythonInt(v);
    if (n === undefined || n < min || n > max) {
      this.add(section, key, JSON.stringify(v), expected);
      return undefined;
    }
    return n;
  }

  oneOf<T extends string>(section: string, key: string, allowed: readonly T[], what: string): T | undefined {
    const expected = `${what}: one of ${allowed.join(', ')} (exactly as written; SCALE-Sim compares case-sensitively)`;
    const v = this.text(section, key, expected);
    if (v === undefined) return undefined;
    const hit = allowed.find((a) => a === v);
    if (hit === undefined) this.add(section, key, JSON.stringify(v), expected);
    return hit;
  }

  /** First value of a comma list of positive integers (SCALE-Sim parses every value, uses the first). */
  firstOfList(section: string, key: string, what: string): number | undefined {
    const expected = `${what}: a comma-separated list of positive whole numbers (only the first is used)`;
    const v = this.text(section, key, expected);
    if (v === undefined) return undefined;
    const values = v.split(',').map(pythonInt);
    const first = values[0];
    if (first === undefined || values.some((x) => x === undefined || x < 1)) {
      this.add(section, key, JSON.stringify(v), expected);
      return undefined;
    }
    return first;
  }
}

function sectionHint(doc: IniDocument, section: string): string {
  const near = [...doc.sections.keys()].find((s) => s.trim().toLowerCase() === section);
  return near !== undefined ? `; found [${near}], section names are case- and space-sensitive` : '';
}

/** Python's int() of a string, or undefined when it would raise (or is not a safe integer). */
export function pythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return undefined;
  const n = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

function topologyPathOf(doc: IniDocument): string | undefined {
  const v = doc.sections.get('network_presets')?.get('topologycsvloc');
  if (v === undefined) return undefined;
  const quoted = /"([^"]*)"/.exec(v.value);
  const path = quoted !== null ? quoted[1]! : v.value;
  return path === '' ? undefined : path;
}

type InterfaceBandwidth = 'CALC' | 'USER';

export interface ScaleSimCfgFields {
  readonly runName: string;
  readonly rows: number;
  readonly cols: number;
  readonly ifmapKb: number;
  readonly filterKb: number;
  readonly ofmapKb: number;
  readonly ifmapOffset: number;
  readonly filterOffset: number;
  readonly ofmapOffset: number;
  readonly dataflow: Dataflow;
  readonly mode: InterfaceBandwidth;
  /** USER mode only: words (= bytes) per cycle. */
  readonly userBandwidth: number | undefined;
}

function readFields(r: CfgReader): ScaleSimCfgFields | undefined {
  const A = 'architecture_presets';
  const runName = r.text('general', 'run_name', 'the run name');
  const mode = r.oneOf(
    'run_presets',
    'InterfaceBandwidth',
    ['CALC', 'USER'] as const,
    'the DRAM bandwidth mode',
  );
  const rows = r.int(A, 'ArrayHeight', 'array rows', 1, MAX_ARRAY_DIM);
  const cols = r.int(A, 'ArrayWidth', 'array columns', 1, MAX_ARRAY_DIM);
  const ifmapKb = r.int(A, 'IfmapSramSzkB', 'IFMAP SRAM size in kB', 1);
  const filterKb = r.int(A, 'FilterSramSzkB', 'filter SRAM size in kB', 1);
  const ofmapKb = r.int(A, 'OfmapSramSzkB', 'OFMAP SRAM size in kB', 1);
  const ifmapOffset = r.int(A, 'IfmapOffset', 'IFMAP address offset', 0);
  const filterOffset = r.int(A, 'FilterOffset', 'filter address offset', 0);
  const ofmapOffset = r.int(A, 'OfmapOffset', 'OFMAP address offset', 0);
  const dataflow = r.oneOf(A, 'Dataflow', DATAFLOWS, 'the dataflow');
  const userBandwidth = mode === 'USER' ? r.firstOfList(A, 'Bandwidth', 'DRAM words per cycle') : undefined;
  if (
    runName === undefined ||
    mode === undefined ||
    rows === undefined ||
    cols === undefined ||
    ifmapKb === undefined ||
    filterKb === undefined ||
    ofmapKb === undefined ||
    ifmapOffset === undefined ||
    filterOffset === undefined ||
    ofmapOffset === undefined ||
    dataflow === undefined ||
    (mode === 'USER' && userBandwidth === undefined)
  )
    return undefined;
  return {
    runName,
    mode,
    rows,
    cols,
    ifmapKb,
    filterKb,
    ofmapKb,
    ifmapOffset,
    filterOffset,
    ofmapOffset,
    dataflow,
    userBandwidth,
  };
}

/** The YAML-equivalent spec document of a SCALE-Sim configuration (see the header for the mapping). */
export function scaleSimYaml(f: ScaleSimCfgFields, file: string): SystolicYaml {
  const readBw = f.mode === 'USER' ? (f.userBandwidth ?? 1) : 'unlimited';
  const writeBw = f.mode === 'USER' ? (f.userBandwidth ?? 1) : f.cols;
  return {
    target: 'systolic',
    name: f.runName,
    description: `SCALE-Sim configuration ${f.runName} (${f.rows}×${f.cols} ${f.dataflow}, InterfaceBandwidth ${f.mode})`,
    source: file,
    clock_mhz: SCALESIM_CLOCK_MHZ,
    array: { rows: f.rows, cols: f.cols, dataflow: f.dataflow },
    sram: { ifmap_kib: f.ifmapKb, filter_kib: f.filterKb, ofmap_kib: f.ofmapKb },
    dram: {
      read_bandwidth_bytes_per_cycle: readBw,
      write_bandwidth_bytes_per_cycle: writeBw,
      latency_cycles: 0,
    },
    conventions: 'scalesim',
    word_bytes: 1,
    offsets: { ifmap: f.ifmapOffset, filter: f.filterOffset, ofmap: f.ofmapOffset },
  };
}

/**
 * A SCALE-Sim `.cfg` text → run name, systolic spec and optional topology path. Every problem is
 * reported at once in one InputError (paths `[section] key` or `line N`).
 */
export function parseScaleSimCfg(text: string, file: string): ScaleSimCfg {
  const r = new CfgReader(file);
  r.doc = parseIni(text, file, r.issues);
  const fields = readFields(r);
  if (r.issues.length > 0 || fields === undefined) throw new InputError(r.issues);
  const spec = fromYaml(scaleSimYaml(fields, file));
  const topologyPath = topologyPathOf(r.doc);
  return topologyPath !== undefined
    ? { runName: fields.runName, spec, topologyPath }
    : { runName: fields.runName, spec };
}

// ---- back to SCALE-Sim ---------------------------------------------------------------------------

/** The `.cfg` key of each spec field a SCALE-Sim configuration sets (for error messages). */
export const SCALESIM_CFG_KEYS: Readonly<Record<string, string>> = {
  'array.rows': '[architecture_presets] ArrayHeight',
  'array.cols': '[architecture_presets] ArrayWidth',
  'array.dataflow': '[architecture_presets] Dataflow',
  'sram.ifmap_kib': '[architecture_presets] IfmapSramSzkB',
  'sram.filter_kib': '[architecture_presets] FilterSramSzkB',
  'sram.ofmap_kib': '[architecture_presets] OfmapSramSzkB',
  'dram.read_bandwidth_bytes_per_cycle': '[architecture_presets] Bandwidth',
  'dram.write_bandwidth_bytes_per_cycle': '[architecture_presets] Bandwidth',
};

/**
 * A target configuration error (e.g. the plan's PlanError: an SRAM too small for one fold) raised
 * for a spec read from a `.cfg`, restated with the `.cfg` key (SCALE-Sim's kB are KiB).
 */
export function scaleSimCfgIssue(
  err: { readonly field: string; readonly value: string; readonly expected: string },
  file: string,
): InputIssue {
  return { file, path: SCALESIM_CFG_KEYS[err.field] ?? err.field, value: err.value, expected: err.expected };
}

function cfgMode(spec: SystolicSpec, issues: InputIssue[]): string {
  const r = spec.readBandwidthBytesPerCycle;
  const w = spec.writeBandwidthBytesPerCycle;
  if (r === Infinity && w === spec.cols) return 'CALC';
  if (r === w && Number.isSafeInteger(r) && r > 0) return 'USER';
  issues.push({
    path: 'dram',
    value: `read ${r} B/cycle, write ${w} B/cycle`,
    expected: `what SCALE-Sim can express: CALC (read unlimited, write = ArrayWidth = ${spec.cols} B/cycle) or USER (read = write, a whole number of 1-byte words per cycle)`,
  });
  return 'CALC';
}

function cfgKb(bytes: number, field: string, issues: InputIssue[]): number {
  if (bytes % 1024 !== 0)
    issues.push({
      path: field,
      value: `${bytes / 1024} KiB`,
      expected: 'a whole number of KiB (SCALE-Sim reads kB with int())',
    });
  return Math.round(bytes / 1024);
}

/**
 * A SCALE-Sim `.cfg` for a systolic spec: array, SRAM sizes, offsets, dataflow, bandwidth mode (what
 * SCALE-Sim can express; clock, formats and conventions have no `.cfg` key). Throws an InputError
 * when the spec needs something SCALE-Sim cannot express (non-1-byte words, DRAM latency, fractional
 * KiB, a bandwidth pair other than CALC's or USER's).
 */
export function renderScaleSimCfg(runName: string, spec: SystolicSpec, topologyPath?: string): string {
  const issues: InputIssue[] = [];
  if (spec.wordBytes !== 1)
    issues.push({
      path: 'word_bytes',
      value: String(spec.wordBytes),
      expected: '1 (SCALE-Sim words are 1 byte)',
    });
  if (spec.dramLatencyCycles !== 0)
    issues.push({
      path: 'dram.latency_cycles',
      value: String(spec.dramLatencyCycles),
      expected: '0 (SCALE-Sim v2 has no DRAM latency)',
    });
  const mode = cfgMode(spec, issues);
  const kb = [
    cfgKb(spec.ifmapSramBytes, 'sram.ifmap_kib', issues),
    cfgKb(spec.filterSramBytes, 'sram.filter_kib', issues),
    cfgKb(spec.ofmapSramBytes, 'sram.ofmap_kib', issues),
  ];
  if (issues.length > 0) throw new InputError(issues);
  const bandwidth = mode === 'USER' ? spec.readBandwidthBytesPerCycle : 10;
  const lines = [
    '[general]',
    `run_name = ${runName}`,
    '',
    '[architecture_presets]',
    `ArrayHeight:    ${spec.rows}`,
    `ArrayWidth:     ${spec.cols}`,
    `IfmapSramSzkB:  ${kb[0]!}`,
    `FilterSramSzkB: ${kb[1]!}`,
    `OfmapSramSzkB:  ${kb[2]!}`,
    `IfmapOffset:    ${spec.ifmapOffset}`,
    `FilterOffset:   ${spec.filterOffset}`,
    `OfmapOffset:    ${spec.ofmapOffset}`,
    `Dataflow:       ${spec.dataflow}`,
    `Bandwidth:      ${bandwidth}`,
    'MemoryBanks:    1',
    '',
    '[run_presets]',
    `InterfaceBandwidth: ${mode}`,
  ];
  if (topologyPath !== undefined) lines.push('', '[network_presets]', `TopologyCsvLoc: "${topologyPath}"`);
  return lines.join('\n') + '\n';
}
