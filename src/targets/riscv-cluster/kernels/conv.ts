/**
 * The conv2d kernel generator: PULP-NN-style assembly for one core computing a range of output
 * rows of one layer (docs/riscv-cluster-kernels.md). Per pair of output pixels: im2col of both
 * windows (skipped for pointwise layers), then for every block of 4 output channels the MAC&LOAD
 * 4×2 matmul over K = kh·kw·Cin (PULP-NN-mixed's loop: one MacLoadInit and 8 MAC&LOADs per word
 * of K, reference/pulp.md §3.4), the fixed-point requantization of numerics/requant.ts and the
 * packed stores.
 */
import { AsmBuilder, mlCtrl } from '../asm/builder.js';
import { InputError } from '../../../units/errors.js';
import { codeRange, outSize, PARAM_WORDS, unsupported, type ConvShape, type MemoryPlan } from './layout.js';
import type { RoundingMode } from '../../../formats/types.js';

/** What one core computes. */
export interface ConvJob {
  readonly layer: ConvShape;
  readonly plan: MemoryPlan;
  /** Output rows [rowStart, rowEnd). */
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly rounding: RoundingMode;
  readonly yZero: number;
  /**
   * Cluster mode (kernels/cluster-run.ts): one program for every core. Each core reads its row
   * range and buffers from its record (`CORE_RECORD`) at `table + CORE_RECORD_BYTES · mhartid`
   * instead of constants, and `rowStart`/`rowEnd` only bound the check. Absent: one core.
   */
  readonly perCore?: PerCoreSetup;
}

/** Where the cores of a cluster find their part of the layer. */
export interface PerCoreSetup {
  /** TCDM address of core 0's record. */
  readonly table: number;
  /** Offsets of the core's second im2col buffer and scratch from its first (which it keeps in mscratch). */
  readonly bufBOffset: number;
  readonly scratchOffset: number;
}

/** Byte offsets of the words of a core's record (cluster mode). */
export const CORE_RECORD = {
  /** Window of the first output row's first pixel in the padded input. */
  xwin: 0,
  /** First output pixel. */
  ypix: 4,
  /** Output rows (0: none). */
  rows: 8,
  /** The core's first im2col buffer. */
  bufA: 12,
  /** Mixed precision: the core's slice of the weight unpacking (source, destination, source words). */
  unpackSrc: 16,
  unpackDst: 20,
  unpackWords: 24,
} as const;
export const CORE_RECORD_BYTES = 32;

const SIMD: Record<number, string> = { 8: 'b', 4: 'n', 2: 'c' };

// Register roles
const ACC = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']; // pixel A channels 0–3, pixel B 0–3
const WPTR = ['s0', 's1', 's2', 's3'];
const XPTR = ['s4', 's5'];
const KCOUNT = 's6';
const WBLK = 's7';
const PRM = 's8';
const OUTA = 's9';
const OUTB = 's10';
const BLK = 's11';
const XWIN = 'gp'; // window of pixel A in the padded input
const YPIX = 'tp'; // output of pixel A
const PIX = 'sp'; // pixels left in the row
const ROWS = 'ra'; // rows left
const XBASE = ['t5', 't6']; // K rows of pixels A and B (im2col buffers, or the input for 1×1)

/** Emit rd = rs + c, through `tmp` when c does not fit an immediate. */
function addConst(b: AsmBuilder, rd: string, rs: string, c: number, tmp: string): void {
  if (c >= -2048 && c <= 2047) {
    if (c !== 0 || rd !== rs) b.insn('addi', rd, rs, c);
  } else {
    b.insn('li', tmp, c);
    b.insn('add', rd, rs, tmp);
  }
}

let labelSeq = 0;

/** A buffer address: a constant, or an offset from the core's mscratch (cluster mode). */
type Buf = { readonly abs: number } | { readonly scratchPlus: number };

function loadBuf(b: AsmBuilder, rd: string, buf: Buf, tmp: string): void {
  if ('abs' in buf) b.insn('li', rd, buf.abs);
  else {
    b.insn('csrr', rd, 'mscratch');
    addConst(b, rd, rd, buf.scratchPlus, tmp);
  }
}

/** rd ← the address of this core's record (cluster mode). */
function coreRecord(b: AsmBuilder, rd: string, tmp: string, table: number): void {
  b.insn('csrr', rd, 'mhartid');
  b.insn('slli', rd, rd, Math.log2(CORE_RECORD_BYTES));
  b.insn('li', tmp, table);
  b.insn('add', rd, rd, tmp);
}

/** Copy `words` words from `src` to `dst` (both post-incremented); uses t0–t4 and loop 0. */
function copyWords(b: AsmBuilder, src: string, dst: string, words: number): void {
  const pairs = Math.floor(words / 2);
  if (pairs > 0) {
    const end = `Lcp${labelSeq++}`;
    b.insn('li', 't4', pairs);
    b.insn('lp.setup', 0, 't4', end);
    b.insn('p.lw', 't2', `4(${src}!)`);
    b.insn('p.lw', 't3', `4(${src}!)`);
    b.insn('p.sw', 't2', `4(${dst}!)`);
    b.label(end);
    b.insn('p.sw', 't3', `4(${dst}!)`);
  }
  if (words % 2 === 1) {
    b.insn('p.lw', 't2', `4(${src}!)`);
    b.insn('p.sw', 't2', `4(${dst}!)`);
  }
}

/** im2col of the window starting at `win` into `buf` (kh copies of kw·Cin contiguous codes). */
function im2col(b: AsmBuilder, l: ConvShape, p: MemoryPlan, win: string, buf: Buf): void {
  const words = (l.kw * p.pixelBytes) / 4;
  loadBuf(b, 't1', buf, 't2');
  for (let ky = 0; ky < l.kh; ky++) {
    addConst(b, 't0', win, ky * p.wp * p.pixelBytes, 't2');
    copyWords(b, 't0', 't1', words);
  }
}

/** Unpack the weights from wBits to the activation width, once (mixed precision). */
function unpackWeights(b: AsmBuilder, l: ConvShape, p: MemoryPlan, perCore?: PerCoreSetup): void {
  const k = l.kh * l.kw * l.cin;
  const srcWords = (p.coutPadded * k * l.wBits) / 32;
  const ratio = l.xBits / l.wBits;
  const perDst = 32 / l.xBits;
  const end = `Lunpack${labelSeq++}`;
  const skip = perCore === undefined ? '' : `Lunpackskip${labelSeq++}`;
  if (perCore === undefined) {
    b.insn('li', 't0', p.weights);
    b.insn('li', 't1', p.wUnpacked);
    b.insn('li', 't4', srcWords);
  } else {
    coreRecord(b, 't0', 't1', perCore.table);
    b.insn('lw', 't4', `${CORE_RECORD.unpackWords}(t0)`);
    b.insn('lw', 't1', `${CORE_RECORD.unpackDst}(t0)`);
    b.insn('lw', 't0', `${CORE_RECORD.unpackSrc}(t0)`);
    b.insn('beqz', 't4', skip);
  }
  b.insn('lp.setup', 0, 't4', end);
  b.insn('p.lw', 't2', '4(t0!)');
  const body: string[] = [];
  for (let j = 0; j < ratio; j++) {
    for (let e = 0; e < perDst; e++) {
      body.push(`p.extract t3, t2, ${l.wBits - 1}, ${(j * perDst + e) * l.wBits}`);
      body.push(`p.insert s0, t3, ${l.xBits - 1}, ${e * l.xBits}`);
    }
    body.push('p.sw s0, 4(t1!)');
  }
  body[body.length - 1] = `${end}: ${body[body.length - 1]!}`;
  b.raw(body.map((s) => `  ${s}`).join('\n'));
  if (perCore !== undefined) b.label(skip);
}

/**
 * Cluster mode: this core's slice of the mixed-precision weight unpacking (from its record). The
 * caller puts a barrier between it and `emitConvRows`. Uses t0–t4 and s0.
 */
export function emitUnpackWeights(b: AsmBuilder, l: ConvShape, p: MemoryPlan, perCore: PerCoreSetup): void {
  if (l.wBits !== l.xBits) unpackWeights(b, l, p, perCore);
}

/** The requantization of the 8 accumulators of one block, in place (t0–t4, s0–s5 as temps). */
function requant(b: AsmBuilder, l: ConvShape, rounding: RoundingMode, yZero: number): void {
  const { lo } = codeRange(l.yBits, l.ySigned);
  for (let r = 0; r < 4; r++) {
    const o = r * PARAM_WORDS * 4;
    b.insn('lw', 's0', `${o + 4}(${PRM})`); // m0
    b.insn('lw', 's1', `${o + 8}(${PRM})`); // rc lo
    b.insn('lw', 's2', `${o + 12}(${PRM})`); // rc hi
    b.insn('lw', 's3', `${o + 16}(${PRM})`); // shift of the high word
    if (rounding === 'nearest-even' || rounding === 'nearest-away') b.insn('lw', 's4', `${o + 20}(${PRM})`); // tie mask
    for (const acc of [ACC[r]!, ACC[r + 4]!]) {
      if (rounding === 'nearest-away') b.insn('srai', 's5', acc, 31);
      b.insn('mulhsu', 't0', acc, 's0');
      b.insn('mul', 't1', acc, 's0');
      b.insn('add', 't2', 't1', 's1');
      b.insn('sltu', 't3', 't2', 't1');
      b.insn('add', 't0', 't0', 's2');
      b.insn('add', 't0', 't0', 't3');
      b.insn('sra', acc, 't0', 's3');
      if (rounding === 'nearest-even' || rounding === 'nearest-away') {
        // a tie leaves the low s' bits of p + rc all zero
        b.insn('and', 't3', 't0', 's4');
        b.insn('or', 't3', 't3', 't2');
        b.insn('seqz', 't3', 't3');
        if (rounding === 'nearest-even') {
          b.insn('and', 't3', 't3', acc); // rounded up to an odd q: take q − 1
          b.insn('sub', acc, acc, 't3');
        } else {
          b.insn('and', 't3', 't3', 's5'); // a negative tie goes down
          b.insn('add', acc, acc, 't3');
        }
      }
      if (yZero !== 0) addConst(b, acc, acc, yZero, 't4');
      if (lo < 0) b.insn('p.clip', acc, acc, l.yBits);
      else b.insn('p.clipu', acc, acc, l.yBits + 1);
    }
  }
}

/** Store `n` channels of one pixel (accumulators acc[0..3]) packed at yBits to [out]. */
function storePixel(b: AsmBuilder, l: ConvShape, accs: readonly string[], out: string, n: number): void {
  if (l.yBits === 8) {
    for (let c = 0; c < n; c++) b.insn('sb', accs[c]!, `${c}(${out})`);
    return;
  }
  const per = 8 / l.yBits;
  for (let byte = 0; byte < n / per; byte++) {
    b.insn('andi', 't0', accs[byte * per]!, (1 << l.yBits) - 1);
    for (let e = 1; e < per; e++) b.insn('p.insert', 't0', accs[byte * per + e]!, l.yBits - 1, e * l.yBits);
    b.insn('sb', 't0', `${byte}(${out})`);
  }
}

/** The 4×2 MAC&LOAD block over K: ACC += W[4 rows] · X[2 columns]. */
function matmul(b: AsmBuilder, l: ConvShape, p: MemoryPlan): void {
  const w = SIMD[l.xBits]!;
  const ml = `pv.mlsdot${l.xSigned ? 'sp' : 'sup'}.${w}`;
  b.insn('mv', WPTR[0]!, WBLK);
  for (let r = 1; r < 4; r++) addConst(b, WPTR[r]!, WPTR[r - 1]!, p.rowBytes, 't0');
  b.insn('mv', XPTR[0]!, XBASE[0]!);
  b.insn('mv', XPTR[1]!, XBASE[1]!);
  WPTR.forEach((reg, i) => b.insn('pv.mlinitspr', reg, mlCtrl({ a: 0, w: i as 0 | 1 | 2 | 3, load: 'w' })));
  b.insn('pv.mlinitspr', XPTR[0]!, mlCtrl({ a: 0, w: 0, load: 'a' }));
  for (let r = 0; r < 4; r++) b.insn('lw', ACC[r]!, `${r * PARAM_WORDS * 4}(${PRM})`);
  for (let r = 0; r < 4; r++) b.insn('mv', ACC[r + 4]!, ACC[r]!);
  const end = `Lk${labelSeq++}`;
  b.insn('lp.setup', 0, KCOUNT, end);
  const body: string[] = [`pv.mlinitspr ${XPTR[1]!}, ${mlCtrl({ a: 1, w: 0, load: 'a' })}`];
  for (let c = 0; c < 2; c++) {
    for (let r = 0; r < 4; r++) {
      const rr = r as 0 | 1 | 2 | 3;
      const a = c as 0 | 1;
      let ctrl = mlCtrl({ a, w: rr });
      let ptr = WPTR[r]!;
      if (c === 1) ctrl = mlCtrl({ a, w: rr, load: 'w' });
      else if (r === 3) {
        ctrl = mlCtrl({ a, w: 3, load: 'a' });
        ptr = XPTR[0]!;
      }
      body.push(`${ml} ${ACC[c * 4 + r]!}, ${ptr}, ${ctrl}`);
    }
  }
  body[body.length - 1] = `${end}: ${body[body.length - 1]!}`;
  b.raw(body.map((s) => `  ${s}`).join('\n'));
}

/** Refuse what the generator does not handle, with every reason. */
export function checkJob(job: ConvJob): void {
  const why = unsupported(job.layer);
  const { ho } = outSize(job.layer);
  if (!(job.rowStart >= 0 && job.rowStart < job.rowEnd && job.rowEnd <= ho))
    why.push(`rows [${job.rowStart}, ${job.rowEnd}) outside [0, ${ho})`);
  if (why.length > 0)
    throw new InputError(
      why.map((w) => ({ path: 'conv', value: w, expected: 'a layer the kernels support' })),
    );
}

/** The assembly of one core's part of a conv layer; it ends with `ecall`. */
export function generateConv(job: ConvJob): AsmBuilder {
  checkJob(job);
  labelSeq = 0;
  const b = new AsmBuilder();
  b.label('conv');
  if (job.layer.wBits !== job.layer.xBits) unpackWeights(b, job.layer, job.plan, job.perCore);
  emitRows(b, job, job.perCore === undefined ? undefined : 'Ldone');
  b.insn('ecall');
  return b;
}

/**
 * Cluster mode: append the conv loops of `job` (which has `perCore`) to `b`. Each core reads its
 * rows from its record; a core with no rows jumps to `done`. Control reaches `done` at the end.
 * Every register may be clobbered.
 */
export function emitConvRows(
  b: AsmBuilder,
  job: ConvJob & { readonly perCore: PerCoreSetup },
  done: string,
): void {
  checkJob(job);
  emitRows(b, job, done);
}

function emitRows(b: AsmBuilder, job: ConvJob, done?: string): void {
  const { layer: l, plan: p } = job;
  const pc = job.perCore;
  const { wo } = outSize(l);
  const pointwise = l.kh === 1 && l.kw === 1 && l.pads.every((v) => v === 0);
  const kWords = (l.kh * l.kw * l.cin * l.xBits) / 32;
  const blocks = p.coutPadded / 4;
  const tail = l.cout % 4;
  const blockOut = (4 * l.yBits) / 8;
  const pixStep = l.stride * p.pixelBytes;
  const pairs = Math.ceil(wo / 2);
  const bufA: Buf = pc === undefined ? { abs: p.bufA } : { scratchPlus: 0 };
  const bufB: Buf = pc === undefined ? { abs: p.bufB } : { scratchPlus: pc.bufBOffset };
  const scratch: Buf = pc === undefined ? { abs: p.scratch } : { scratchPlus: pc.scratchOffset };
  b.insn('li', KCOUNT, kWords);
  if (pc === undefined) {
    b.insn('li', XWIN, p.x + job.rowStart * l.stride * p.wp * p.pixelBytes);
    b.insn('li', YPIX, p.y + job.rowStart * wo * p.outPixelBytes);
    b.insn('li', ROWS, job.rowEnd - job.rowStart);
  } else {
    coreRecord(b, 't0', 't1', pc.table);
    b.insn('lw', XWIN, `${CORE_RECORD.xwin}(t0)`);
    b.insn('lw', YPIX, `${CORE_RECORD.ypix}(t0)`);
    b.insn('lw', ROWS, `${CORE_RECORD.rows}(t0)`);
    b.insn('lw', 't1', `${CORE_RECORD.bufA}(t0)`);
    b.insn('csrw', 'mscratch', 't1');
    b.insn('beqz', ROWS, done ?? 'Ldone');
  }
  b.label('Lrow');
  b.insn('li', PIX, wo);
  b.label('Lpix');
  // pixel A
  if (pointwise) b.insn('mv', XBASE[0]!, XWIN);
  else {
    im2col(b, l, p, XWIN, bufA);
    loadBuf(b, XBASE[0]!, bufA, 't0');
  }
  // pixel B, or the last single pixel of an odd row (computed twice, its copy stored to scratch)
  b.insn('li', 't0', 1);
  b.insn('beq', PIX, 't0', 'Lsingle');
  addConst(b, 's0', XWIN, pixStep, 't1');
  if (pointwise) b.insn('mv', XBASE[1]!, 's0');
  else {
    im2col(b, l, p, 's0', bufB);
    loadBuf(b, XBASE[1]!, bufB, 't0');
  }
  addConst(b, OUTB, YPIX, p.outPixelBytes, 't0');
  b.insn('j', 'Lblocks');
  b.label('Lsingle');
  b.insn('mv', XBASE[1]!, XBASE[0]!);
  loadBuf(b, OUTB, scratch, 't0');
  b.label('Lblocks');
  b.insn('mv', OUTA, YPIX);
  b.insn('li', WBLK, p.wUnpacked);
  b.insn('li', PRM, p.params);
  b.insn('li', BLK, blocks);
  b.label('Lblk');
  matmul(b, l, p);
  requant(b, l, job.rounding, job.yZero);
  if (tail !== 0) {
    b.insn('li', 't0', 1);
    b.insn('bne', BLK, 't0', 'Lfull');
    storePixel(b, l, ACC.slice(0, 4), OUTA, tail);
    storePixel(b, l, ACC.slice(4), OUTB, tail);
    b.insn('j', 'Lnext');
    b.label('Lfull');
  }
  storePixel(b, l, ACC.slice(0, 4), OUTA, 4);
  storePixel(b, l, ACC.slice(4), OUTB, 4);
  if (tail !== 0) b.label('Lnext');
  addConst(b, WBLK, WBLK, 4 * p.rowBytes, 't0');
  b.insn('addi', PRM, PRM, 4 * PARAM_WORDS * 4);
  b.insn('addi', OUTA, OUTA, blockOut);
  b.insn('addi', OUTB, OUTB, blockOut);
  b.insn('addi', BLK, BLK, -1);
  b.insn('bnez', BLK, 'Lblk');
  // next pair
  addConst(b, XWIN, XWIN, 2 * pixStep, 't0');
  addConst(b, YPIX, YPIX, 2 * p.outPixelBytes, 't0');
  b.insn('addi', PIX, PIX, -2);
  b.insn('bgtz', PIX, 'Lpix');
  // next row: undo the pairs' advance, step by stride rows
  addConst(b, XWIN, XWIN, l.stride * p.wp * p.pixelBytes - 2 * pairs * pixStep, 't0');
  addConst(b, YPIX, YPIX, wo * p.outPixelBytes - 2 * pairs * p.outPixelBytes, 't0');
  b.insn('addi', ROWS, ROWS, -1);
  b.insn('bnez', ROWS, 'Lrow');
  if (done !== undefined) b.label(done);
}
