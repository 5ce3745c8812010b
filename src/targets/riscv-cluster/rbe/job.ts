/**
 * An RBE job: the layer shape, the mode, the bit widths, the normalization/quantization parameters
 * and where the operands live in L1. `validateJob` refuses what the engine cannot run, one message
 * per problem naming the field, the value and what is allowed. The job-register encoding follows
 * the register map of pulp.md §4.6 (rbe_package.sv / rbe_ctrl.sv): every field is stored minus 1,
 * except QA, whose field holds QA − 1 by name.
 */
import { filterSize, type RbeMode, type RbeParams } from './params.js';

/** Normalization/quantization: y = clip((acc · scale[k] + bias[k]) >> shift). */
export interface RbeNormQuant {
  /** Per output channel, unsigned 16-bit multiplier (kappa). */
  readonly scale: readonly number[];
  /** Per output channel, signed 32-bit addend (lambda). */
  readonly bias: readonly number[];
  /** Arithmetic right shift (1–16: the register holds shift − 1). */
  readonly shift: number;
  /** ReLU: clip to [0, 2^QAO − 1]; without it, clip to the signed QAO-bit range. */
  readonly relu: boolean;
}

/** Byte addresses of the four L1 regions the streamer reads and writes. */
export interface RbeAddresses {
  readonly x: number;
  readonly w: number;
  readonly nq: number;
  readonly y: number;
}

export interface RbeJob {
  readonly mode: RbeMode;
  readonly hOut: number;
  readonly wOut: number;
  readonly kIn: number;
  readonly kOut: number;
  readonly stride: number;
  readonly padding: number;
  /** Activation input, weight and activation output bits. */
  readonly qa: number;
  readonly qw: number;
  readonly qao: number;
  readonly norm: RbeNormQuant;
  readonly addresses: RbeAddresses;
}

/** The job's operands. Layouts are row-major: x[hIn][wIn][kIn], w[kOut][fs][fs][kIn]. */
export interface RbeOperands {
  /** Unsigned activations in [0, 2^QA). */
  readonly x: Int32Array;
  /** Signed weights in [−(2^(QW−1) − 1), 2^(QW−1) − 1]. */
  readonly w: Int32Array;
}

/** A job or its operands that the RBE cannot run. */
export class RbeJobError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`RBE job refused: ${problems.join('; ')}`);
    this.name = 'RbeJobError';
  }
}

/** Derived geometry of a job. */
export interface RbeGeometry {
  readonly fs: number;
  readonly hIn: number;
  readonly wIn: number;
  /** Output patches (3×3 pixels each) along H and W. */
  readonly nH: number;
  readonly nW: number;
  readonly nKi: number;
  readonly nKo: number;
  /** Activation-bit tiles of 4, input and output. */
  readonly nQa: number;
  readonly nQao: number;
  /** Padded image sizes as laid out in L1. */
  readonly hInPad: number;
  readonly wInPad: number;
  readonly hOutPad: number;
  readonly wOutPad: number;
  /** Weight words per (K_out tile, K_in tile) stream and 32-bit words per weight beat. */
  readonly weightBeats: number;
  readonly weightWordsPerBeat: number;
  readonly featureBeats: number;
  readonly featureWordsPerBeat: number;
}

export function geometry(job: RbeJob, p: RbeParams): RbeGeometry {
  const fs = filterSize(job.mode);
  const tile = p.binconvsPerBlock;
  const nH = Math.ceil(job.hOut / 3);
  const nW = Math.ceil(job.wOut / 3);
  const is3 = job.mode === '3x3';
  return {
    fs,
    hIn: job.hOut + fs - 1,
    wIn: job.wOut + fs - 1,
    nH,
    nW,
    nKi: Math.ceil(job.kIn / p.binconvWidth),
    nKo: Math.ceil(job.kOut / p.binconvWidth),
    nQa: Math.ceil(job.qa / tile),
    nQao: Math.ceil(job.qao / tile),
    hInPad: 3 * nH + fs - 1,
    wInPad: 3 * nW + fs - 1,
    hOutPad: 3 * nH,
    wOutPad: 3 * nW,
    weightBeats: is3
      ? p.accumulatorsPerColumn * job.qw + p.offsetWords
      : p.accumulatorsPerColumn + p.offsetWords,
    weightWordsPerBeat: is3 ? p.blocksPerColumn : job.qw,
    featureBeats: is3 ? p.featureBeats3x3 : p.featureBeats1x1,
    featureWordsPerBeat: is3 ? p.featureWords3x3 : p.featureWords1x1,
  };
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Every reason the RBE refuses `job` (empty when it can run it). */
export function validateJob(job: RbeJob, p: RbeParams): string[] {
  const problems: string[] = [];
  const bad = (field: string, value: unknown, allowed: string): void => {
    problems.push(`${field}: got ${JSON.stringify(value)}; the RBE allows ${allowed}`);
  };
  if ((job.mode as string) !== '3x3' && (job.mode as string) !== '1x1') {
    bad('mode', job.mode, "'3x3' or '1x1' filters only (no depthwise, no linear)");
  }
  for (const f of ['kIn', 'kOut'] as const) {
    const v = job[f];
    if (!isInt(v) || v < p.binconvWidth || v > p.maxChannels || v % p.binconvWidth !== 0) {
      bad(
        f,
        v,
        `a multiple of ${String(p.binconvWidth)} channels from ${String(p.binconvWidth)} to ${String(p.maxChannels)}`,
      );
    }
  }
  const fs = job.mode === '1x1' ? 1 : 3;
  for (const f of ['hOut', 'wOut'] as const) {
    const v = job[f];
    if (!isInt(v) || v < 1 || v + fs - 1 > p.maxImageSize) {
      bad(
        f,
        v,
        `an integer from 1 to ${String(p.maxImageSize - fs + 1)} (input images up to ${String(p.maxImageSize)} px)`,
      );
    }
  }
  if (job.stride !== 1) bad('stride', job.stride, 'stride 1 only');
  if (job.padding !== 0) {
    bad('padding', job.padding, 'no padding (0); pad the input image in memory instead');
  }
  for (const f of ['qa', 'qw', 'qao'] as const) {
    const v = job[f];
    if (!isInt(v) || v < p.minBits || v > p.maxBits) {
      bad(f, v, `${String(p.minBits)} to ${String(p.maxBits)} bits`);
    }
  }
  const n = job.norm;
  if (!isInt(n.shift) || n.shift < p.minShift || n.shift > p.maxShift) {
    bad(
      'norm.shift',
      n.shift,
      `${String(p.minShift)} to ${String(p.maxShift)} (the register holds shift − 1)`,
    );
  }
  if (typeof n.relu !== 'boolean') bad('norm.relu', n.relu, 'true or false');
  const maxScale = 2 ** p.normMultBits - 1;
  const maxBias = 2 ** (p.normAddBits - 1);
  if (n.scale.length !== job.kOut) {
    bad('norm.scale.length', n.scale.length, `one scale per output channel (${String(job.kOut)})`);
  }
  if (n.bias.length !== job.kOut) {
    bad('norm.bias.length', n.bias.length, `one bias per output channel (${String(job.kOut)})`);
  }
  n.scale.forEach((s, k) => {
    if (!isInt(s) || s < 0 || s > maxScale) {
      bad(`norm.scale[${String(k)}]`, s, `an unsigned ${String(p.normMultBits)}-bit integer`);
    }
  });
  n.bias.forEach((b, k) => {
    if (!isInt(b) || b < -maxBias || b >= maxBias) {
      bad(`norm.bias[${String(k)}]`, b, `a signed ${String(p.normAddBits)}-bit integer`);
    }
  });
  for (const f of ['x', 'w', 'nq', 'y'] as const) {
    const a = job.addresses[f];
    if (!isInt(a) || a < 0 || a > 0xffffffff || a % 4 !== 0) {
      bad(`addresses.${f}`, a, 'a 32-bit byte address aligned to 4');
    }
  }
  return problems;
}

/** Every reason the operands do not fit the job (sizes and value ranges). */
export function validateOperands(job: RbeJob, ops: RbeOperands, p: RbeParams): string[] {
  const g = geometry(job, p);
  const problems: string[] = [];
  const xLen = g.hIn * g.wIn * job.kIn;
  const wLen = job.kOut * g.fs * g.fs * job.kIn;
  if (ops.x.length !== xLen) {
    problems.push(
      `x.length: got ${String(ops.x.length)}; expected hIn·wIn·kIn = ${String(xLen)} activations`,
    );
  }
  if (ops.w.length !== wLen) {
    problems.push(`w.length: got ${String(ops.w.length)}; expected kOut·fs·fs·kIn = ${String(wLen)} weights`);
  }
  const xMax = 2 ** job.qa - 1;
  const i = ops.x.findIndex((v) => v < 0 || v > xMax);
  if (i >= 0) {
    problems.push(
      `x[${String(i)}]: got ${String(ops.x[i])}; the RBE takes unsigned ${String(job.qa)}-bit activations (0 to ${String(xMax)})`,
    );
  }
  const wMax = 2 ** (job.qw - 1) - 1;
  const j = ops.w.findIndex((v) => v < -wMax || v > wMax);
  if (j >= 0) {
    problems.push(
      `w[${String(j)}]: got ${String(ops.w[j])}; the RBE takes signed ${String(job.qw)}-bit weights from ${String(-wMax)} to ${String(wMax)} (its offset scheme shifts them by 2^(QW−1) − 1)`,
    );
  }
  return problems;
}

/** Throws RbeJobError with every problem of the job and (when given) its operands. */
export function assertRunnable(job: RbeJob, p: RbeParams, ops?: RbeOperands): void {
  const problems = validateJob(job, p);
  if (problems.length === 0 && ops !== undefined) problems.push(...validateOperands(job, ops, p));
  if (problems.length > 0) throw new RbeJobError(problems);
}

// ---------------------------------------------------------------------------------------------
// Job registers (pulp.md §4.6)

export const RBE_REG = {
  X_ADDR: 0,
  W_ADDR: 1,
  NQ_ADDR: 2,
  Y_ADDR: 3,
  IMG_SIZE_INP: 4,
  IMG_SIZE_OUT: 5,
  CHANNELS: 6,
  FS: 7,
  QA_QW_QAO: 8,
  SHIFT: 9,
  HELPER: 10,
  UCODE_LOOPS0: 11,
  UCODE_LOOPS1: 12,
  UCODE_STATIC00: 13,
} as const;

/** 11 HWPE registers + 12 microcode registers. */
export const RBE_JOB_REGISTERS = 23;

/** The part of a job that lives in the job registers (everything but the per-channel norm data). */
export interface RbeJobConfig {
  readonly mode: RbeMode;
  readonly hOut: number;
  readonly wOut: number;
  readonly kIn: number;
  readonly kOut: number;
  readonly qa: number;
  readonly qw: number;
  readonly qao: number;
  readonly shift: number;
  readonly relu: boolean;
  readonly addresses: RbeAddresses;
}

function field(value: number, bits: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RbeJobError([`register field ${name}: got ${String(value)}; it holds ${String(bits)} bits`]);
  }
  return value;
}

/**
 * The 23 job-register words a core stores to program `job` (microcode registers left 0: the model
 * executes the fixed loop nest of ucode/code.yml directly instead of interpreting bytecode).
 */
export function encodeJobRegisters(job: RbeJob | RbeJobConfig, p: RbeParams): Uint32Array {
  const c = configOf(job);
  const fs = filterSize(c.mode);
  const nH = Math.ceil(c.hOut / 3);
  const nW = Math.ceil(c.wOut / 3);
  const nKi = Math.ceil(c.kIn / p.binconvWidth);
  const nKo = Math.ceil(c.kOut / p.binconvWidth);
  const nQa = Math.ceil(c.qa / p.binconvsPerBlock);
  const nQao = Math.ceil(c.qao / p.binconvsPerBlock);
  const r = new Uint32Array(RBE_JOB_REGISTERS);
  const hw = (w: number, h: number, what: string): number =>
    ((field(w - 1, 16, `${what}.W`) << 16) | field(h - 1, 16, `${what}.H`)) >>> 0;
  r[RBE_REG.X_ADDR] = field(c.addresses.x, 32, 'X_ADDR');
  r[RBE_REG.W_ADDR] = field(c.addresses.w, 32, 'W_ADDR');
  r[RBE_REG.NQ_ADDR] = field(c.addresses.nq, 32, 'NQ_ADDR');
  r[RBE_REG.Y_ADDR] = field(c.addresses.y, 32, 'Y_ADDR');
  r[RBE_REG.IMG_SIZE_INP] = hw(c.wOut + fs - 1, c.hOut + fs - 1, 'IMG_SIZE_INP');
  r[RBE_REG.IMG_SIZE_OUT] = hw(c.wOut, c.hOut, 'IMG_SIZE_OUT');
  r[RBE_REG.CHANNELS] =
    ((field(c.kIn - 1, 16, 'CHANNELS.Kin') << 16) | field(c.kOut - 1, 16, 'CHANNELS.Kout')) >>> 0;
  r[RBE_REG.FS] =
    ((field(nW - 1, 8, 'FS.n_xpatches_w') << 24) |
      (field(fs - 1, 8, 'FS.FS') << 16) |
      field(fs * fs - 1, 16, 'FS.FS·FS')) >>>
    0;
  r[RBE_REG.QA_QW_QAO] =
    ((field(nH - 1, 8, 'QA_QW_QAO.n_xpatches_h') << 24) |
      (field(c.qao - 1, 8, 'QA_QW_QAO.QAO') << 16) |
      (field(c.qw - 1, 8, 'QA_QW_QAO.QW') << 8) |
      field(c.qa - 1, 8, 'QA_QW_QAO.QA')) >>>
    0;
  r[RBE_REG.SHIFT] = ((c.relu ? 0x80000000 : 0) | field(c.shift - 1, 16, 'SHIFT.shift')) >>> 0;
  r[RBE_REG.HELPER] =
    ((field(nKi * nQa - 1, 16, 'HELPER.tiles_Kin_qa') << 16) |
      field(nKo * nQao - 1, 16, 'HELPER.tiles_Kout_qao')) >>>
    0;
  return r;
}

/** Reads a job configuration back from its register words (inverse of encodeJobRegisters). */
export function decodeJobRegisters(regs: Uint32Array): RbeJobConfig {
  if (regs.length < RBE_JOB_REGISTERS) {
    throw new RbeJobError([
      `job registers: got ${String(regs.length)} words; expected ${String(RBE_JOB_REGISTERS)}`,
    ]);
  }
  const reg = (i: number): number => regs[i] ?? 0;
  const lo = (v: number): number => (v & 0xffff) + 1;
  const hi = (v: number): number => (v >>> 16) + 1;
  const fs = ((reg(RBE_REG.FS) >>> 16) & 0xff) + 1;
  if (fs !== 1 && fs !== 3) {
    throw new RbeJobError([`register FS.FS: got filter size ${String(fs)}; the RBE allows 1 or 3`]);
  }
  const q = reg(RBE_REG.QA_QW_QAO);
  const shiftReg = reg(RBE_REG.SHIFT);
  return {
    mode: fs === 3 ? '3x3' : '1x1',
    hOut: lo(reg(RBE_REG.IMG_SIZE_OUT)),
    wOut: hi(reg(RBE_REG.IMG_SIZE_OUT)),
    kIn: hi(reg(RBE_REG.CHANNELS)),
    kOut: lo(reg(RBE_REG.CHANNELS)),
    qa: (q & 0xff) + 1,
    qw: ((q >>> 8) & 0xff) + 1,
    qao: ((q >>> 16) & 0xff) + 1,
    shift: (shiftReg & 0xffff) + 1,
    relu: (shiftReg & 0x80000000) !== 0,
    addresses: {
      x: reg(RBE_REG.X_ADDR),
      w: reg(RBE_REG.W_ADDR),
      nq: reg(RBE_REG.NQ_ADDR),
      y: reg(RBE_REG.Y_ADDR),
    },
  };
}

/** The register-resident part of a job. */
export function configOf(job: RbeJob | RbeJobConfig): RbeJobConfig {
  const n = 'norm' in job ? job.norm : undefined;
  return {
    mode: job.mode,
    hOut: job.hOut,
    wOut: job.wOut,
    kIn: job.kIn,
    kOut: job.kOut,
    qa: job.qa,
    qw: job.qw,
    qao: job.qao,
    shift: n !== undefined ? n.shift : (job as RbeJobConfig).shift,
    relu: n !== undefined ? n.relu : (job as RbeJobConfig).relu,
    addresses: { ...job.addresses },
  };
}

/**
 * The norm-parameter block at NQ_ADDR: per output channel three 16-bit words (scale, bias low
 * half, bias high half), as the golden model's stim_nq lays them out (48 bits per channel).
 */
export function encodeNormParams(norm: RbeNormQuant): Uint16Array {
  const out = new Uint16Array(norm.scale.length * 3);
  norm.scale.forEach((s, k) => {
    const b = (norm.bias[k] ?? 0) >>> 0;
    out[3 * k] = s;
    out[3 * k + 1] = b & 0xffff;
    out[3 * k + 2] = b >>> 16;
  });
  return out;
}

export function decodeNormParams(words: Uint16Array, shift: number, relu: boolean): RbeNormQuant {
  const scale: number[] = [];
  const bias: number[] = [];
  for (let k = 0; 3 * k + 2 < words.length; k++) {
    scale.push(words[3 * k] ?? 0);
    bias.push(((words[3 * k + 2] ?? 0) << 16) | (words[3 * k + 1] ?? 0) | 0);
  }
  return { scale, bias, shift, relu };
}
