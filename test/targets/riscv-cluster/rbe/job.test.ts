/**
 * The RBE job: refusals outside the engine's limits (each naming the field, the value and what is
 * allowed) and the job-register / norm-parameter encodings (round trips, field positions).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertRunnable,
  decodeJobRegisters,
  decodeNormParams,
  encodeJobRegisters,
  encodeNormParams,
  RBE_JOB_REGISTERS,
  RBE_REG,
  RbeJobError,
  configOf,
  validateJob,
  validateOperands,
  type RbeJob,
} from '../../../../src/targets/riscv-cluster/rbe/job.js';
import { MARSELLUS_RBE as P } from '../../../../src/targets/riscv-cluster/rbe/params.js';
import { jobSeedArb, makeJob, makeOperands } from './helpers.js';

const base: RbeJob = makeJob({
  mode: '3x3',
  hOut: 3,
  wOut: 3,
  kIn: 32,
  kOut: 32,
  qa: 4,
  qw: 4,
  qao: 4,
  relu: true,
  shiftDelta: 0,
  seed: 7,
});

function refuse(patch: Partial<RbeJob>): string[] {
  return validateJob({ ...base, ...patch }, P);
}

describe('validateJob', () => {
  it('accepts a job inside the limits', () => {
    expect(validateJob(base, P)).toEqual([]);
  });

  it('refuses channels that are not a multiple of 32', () => {
    expect(refuse({ kIn: 48 })).toEqual([
      'kIn: got 48; the RBE allows a multiple of 32 channels from 32 to 4096',
    ]);
    expect(refuse({ kOut: 8192 })[0]).toMatch(/^kOut: got 8192; .*multiple of 32/);
  });

  it('refuses strides other than 1 and padding', () => {
    expect(refuse({ stride: 2 })).toEqual(['stride: got 2; the RBE allows stride 1 only']);
    expect(refuse({ padding: 1 })[0]).toMatch(/^padding: got 1; the RBE allows no padding/);
  });

  it('refuses bit widths outside 2–8', () => {
    expect(refuse({ qa: 1 })).toEqual(['qa: got 1; the RBE allows 2 to 8 bits']);
    expect(refuse({ qw: 9 })).toEqual(['qw: got 9; the RBE allows 2 to 8 bits']);
    expect(refuse({ qao: 16 })).toEqual(['qao: got 16; the RBE allows 2 to 8 bits']);
  });

  it('refuses other filter modes and image sizes', () => {
    expect(refuse({ mode: '5x5' as unknown as '3x3' })[0]).toMatch(/^mode: got "5x5"; .*'3x3' or '1x1'/);
    expect(refuse({ hOut: 0 })[0]).toMatch(/^hOut: got 0; the RBE allows an integer from 1 to 510/);
    expect(refuse({ wOut: 511 })[0]).toMatch(/^wOut: got 511/);
  });

  it('refuses norm parameters outside the units', () => {
    const scale = [...base.norm.scale];
    scale[3] = 70000;
    const bias = [...base.norm.bias];
    bias[5] = 2 ** 31;
    expect(refuse({ norm: { ...base.norm, scale, bias, shift: 0 } })).toEqual([
      'norm.shift: got 0; the RBE allows 1 to 16 (the register holds shift − 1)',
      'norm.scale[3]: got 70000; the RBE allows an unsigned 16-bit integer',
      'norm.bias[5]: got 2147483648; the RBE allows a signed 32-bit integer',
    ]);
    expect(refuse({ norm: { ...base.norm, scale: [1] } })[0]).toBe(
      'norm.scale.length: got 1; the RBE allows one scale per output channel (32)',
    );
  });

  it('reports every problem at once and throws RbeJobError', () => {
    const bad = { ...base, kIn: 33, qw: 1, stride: 2 };
    expect(validateJob(bad, P)).toHaveLength(3);
    expect(() => {
      assertRunnable(bad, P);
    }).toThrow(RbeJobError);
    expect(() => {
      assertRunnable(bad, P);
    }).toThrow(/^RBE job refused: kIn: got 33/);
  });

  it('refuses operands out of range (unsigned activations, symmetric signed weights)', () => {
    const ops = makeOperands(base, 3);
    expect(validateOperands(base, ops, P)).toEqual([]);
    const x = ops.x.slice();
    x[10] = 16;
    const w = ops.w.slice();
    w[4] = -8;
    expect(validateOperands(base, { x, w }, P)).toEqual([
      'x[10]: got 16; the RBE takes unsigned 4-bit activations (0 to 15)',
      'w[4]: got -8; the RBE takes signed 4-bit weights from -7 to 7 (its offset scheme shifts them by 2^(QW−1) − 1)',
    ]);
    expect(validateOperands(base, { x: x.subarray(1), w: ops.w }, P)[0]).toMatch(
      /^x.length: got 799; expected hIn·wIn·kIn = 800/,
    );
  });
});

describe('job registers', () => {
  it('round-trip every valid job configuration', () => {
    fc.assert(
      fc.property(
        jobSeedArb({ maxHw: 510, maxK: 128 }),
        fc.integer({ min: 1, max: 16 }),
        fc.array(
          fc.nat({ max: 0x3fffffff }).map((a) => a * 4),
          { minLength: 4, maxLength: 4 },
        ),
        (s, shift, addrs) => {
          const j = makeJob(s);
          const job: RbeJob = {
            ...j,
            norm: { ...j.norm, shift },
            addresses: { x: addrs[0] ?? 0, w: addrs[1] ?? 0, nq: addrs[2] ?? 0, y: addrs[3] ?? 0 },
          };
          expect(validateJob(job, P)).toEqual([]);
          const regs = encodeJobRegisters(job, P);
          expect(regs).toHaveLength(RBE_JOB_REGISTERS);
          expect(decodeJobRegisters(regs)).toEqual(configOf(job));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('places the fields as the register map says (pulp.md §4.6), stored minus 1', () => {
    const job: RbeJob = {
      ...base,
      hOut: 7,
      wOut: 10,
      kIn: 64,
      kOut: 96,
      qa: 6,
      qw: 3,
      qao: 5,
      norm: {
        ...base.norm,
        scale: new Array<number>(96).fill(1),
        bias: new Array<number>(96).fill(0),
        shift: 9,
        relu: true,
      },
    };
    const r = encodeJobRegisters(job, P);
    expect(r[RBE_REG.X_ADDR]).toBe(0x1000);
    expect(r[RBE_REG.IMG_SIZE_INP]).toBe(((12 - 1) << 16) | (9 - 1));
    expect(r[RBE_REG.IMG_SIZE_OUT]).toBe(((10 - 1) << 16) | (7 - 1));
    expect(r[RBE_REG.CHANNELS]).toBe(((64 - 1) << 16) | (96 - 1));
    // n_xpatches_w = ⌈10/3⌉ = 4, FS = 3, FS·FS = 9
    expect(r[RBE_REG.FS]).toBe((3 << 24) | (2 << 16) | 8);
    // n_xpatches_h = ⌈7/3⌉ = 3, QAO = 5, QW = 3, QA − 1 = 5
    expect(r[RBE_REG.QA_QW_QAO]).toBe((2 << 24) | (4 << 16) | (2 << 8) | 5);
    expect(r[RBE_REG.SHIFT]).toBe((0x80000000 | 8) >>> 0);
    // tiles(Kin·QA) = 2·2 = 4, tiles(Kout·QAO) = 3·2 = 6
    expect(r[RBE_REG.HELPER]).toBe((3 << 16) | 5);
  });

  it('round-trips the norm-parameter block (scale, bias low, bias high per channel)', () => {
    const words = encodeNormParams(base.norm);
    expect(words).toHaveLength(3 * 32);
    expect(decodeNormParams(words, base.norm.shift, base.norm.relu)).toEqual(base.norm);
    const neg = { ...base.norm, bias: base.norm.bias.map((_, k) => (k % 2 ? -(2 ** 31) : 2 ** 31 - 1)) };
    expect(decodeNormParams(encodeNormParams(neg), neg.shift, neg.relu)).toEqual(neg);
  });

  it('refuses register words it cannot decode', () => {
    const r = encodeJobRegisters(base, P);
    r[RBE_REG.FS] = (r[RBE_REG.FS] ?? 0) | (4 << 16);
    expect(() => decodeJobRegisters(r)).toThrow(/FS.FS: got filter size 7/);
    expect(() => decodeJobRegisters(new Uint32Array(3))).toThrow(/got 3 words; expected 23/);
  });
});
