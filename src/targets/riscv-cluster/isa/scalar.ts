/**
 * Scalar semantics shared by several table rows: RV32M high products and divisions with their edge
 * cases (RISC-V unprivileged spec, "M" chapter: division by zero gives −1 / 2^32−1 and the dividend
 * as remainder; −2^31 / −1 overflows to −2^31 with remainder 0), and the XpulpV2 bit-manipulation,
 * clip and count operations (RI5CY manual; the CV32E40P user manual gives the same semantics under
 * `cv.` names; GVSoC `isa_lib/int.h` for p.ff1/p.fl1/p.clb at zero).
 *
 * All functions take and return 32-bit values as JS numbers; results are wrapped with `| 0`.
 * No BigInt: the high products split the operands into 16-bit halves.
 */

/** High 32 bits of the unsigned 64-bit product of a and b. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** High 32 bits of the signed × signed product. */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of the signed (a) × unsigned (b) product. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}

/** Signed division, rounding toward zero, with the spec's edge cases. */
export function div(a: number, b: number): number {
  if (b === 0) return -1;
  if (a === -0x80000000 && b === -1) return a;
  return Math.trunc(a / b) | 0;
}

/** Unsigned division; by zero gives 2^32 − 1. */
export function divu(a: number, b: number): number {
  if (b === 0) return -1;
  return Math.floor((a >>> 0) / (b >>> 0)) | 0;
}

/** Signed remainder (sign of the dividend); by zero gives the dividend; overflow gives 0. */
export function rem(a: number, b: number): number {
  if (b === 0) return a;
  if (a === -0x80000000 && b === -1) return 0;
  return (a % b) | 0;
}

/** Unsigned remainder; by zero gives the dividend. */
export function remu(a: number, b: number): number {
  if (b === 0) return a;
  return ((a >>> 0) % (b >>> 0)) | 0;
}

/** Count of leading zero bits (32 for 0). */
export const clz = (a: number): number => Math.clz32(a);

/** p.ff1: index of the least significant set bit, 32 when none. */
export function ff1(a: number): number {
  if (a === 0) return 32;
  return 31 - Math.clz32(a & -a);
}

/** p.fl1: index of the most significant set bit, 32 when none. */
export function fl1(a: number): number {
  return a === 0 ? 32 : 31 - Math.clz32(a);
}

/** p.clb: redundant leading sign bits (leading bits equal to bit 31, minus one); 0 for 0. */
export function clb(a: number): number {
  if (a === 0) return 0;
  return Math.clz32(a < 0 ? ~a : a) - 1;
}

/** p.cnt: population count. */
export function popcount(a: number): number {
  let v = a - ((a >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

/** p.ror: rotate right by b[4:0]. */
export function ror(a: number, b: number): number {
  const s = b & 31;
  return (a >>> s) | (a << (32 - s)) | 0;
}

/** p.clip rD, rs1, Is2: clip to [−2^(Is2−1), 2^(Is2−1) − 1]; Is2 = 0 gives [−1, 0]. */
export function clipImm(a: number, is2: number): number {
  const hi = is2 === 0 ? 0 : 2 ** (is2 - 1) - 1;
  const lo = is2 === 0 ? -1 : -(2 ** (is2 - 1));
  return a <= lo ? lo | 0 : a >= hi ? hi | 0 : a;
}

/** p.clipu rD, rs1, Is2: clip to [0, 2^(Is2−1) − 1]. */
export function clipuImm(a: number, is2: number): number {
  const hi = is2 === 0 ? 0 : 2 ** (is2 - 1) - 1;
  return a <= 0 ? 0 : a >= hi ? hi | 0 : a;
}

/** p.clipr rD, rs1, rs2: clip to [−(rs2'+1), rs2'] with rs2' = rs2 & 0x7fffffff. */
export function clipReg(a: number, b: number): number {
  const hi = b & 0x7fffffff;
  const lo = -hi - 1;
  return a <= lo ? lo | 0 : a >= hi ? hi : a;
}

/** p.clipur rD, rs1, rs2: clip to [0, rs2 & 0x7fffffff]. */
export function clipuReg(a: number, b: number): number {
  const hi = b & 0x7fffffff;
  return a <= 0 ? 0 : a >= hi ? hi : a;
}

/** Mask of bits [pos, pos + len1] (len1 = width − 1), cut at bit 31. */
export function fieldMask(len1: number, pos: number): number {
  const bits = Math.min(len1 + 1, 32 - pos);
  const m = bits >= 32 ? -1 : (1 << bits) - 1;
  return (m << pos) | 0;
}

/** p.extract: sign-extended rs1[min(Is3+Is2, 31):Is2]. */
export function extractBits(a: number, len1: number, pos: number): number {
  const bits = Math.min(len1 + 1, 32 - pos);
  const v = a >>> pos;
  return bits >= 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits);
}

/** p.extractu: zero-extended rs1[min(Is3+Is2, 31):Is2]. */
export function extractBitsU(a: number, len1: number, pos: number): number {
  return ((a & fieldMask(len1, pos)) >>> pos) | 0;
}

/** p.insert: rD[min(Is3+Is2,31):Is2] = rs1[...:0], the other bits of rD kept. */
export function insertBits(a: number, rd: number, len1: number, pos: number): number {
  const m = fieldMask(len1, pos);
  return (rd & ~m) | ((a << pos) & m);
}

/** Sign-extend the low `bits` bits. */
export function sextBits(v: number, bits: number): number {
  return (v << (32 - bits)) >> (32 - bits);
}

/** p.addN / p.subN family: (a ± b [+ 2^(s−1) when rounding]) >> s, arithmetic or logical. */
export function addNorm(sum: number, shift: number, round: boolean, unsigned: boolean): number {
  const r = round && shift > 0 ? (sum + (1 << (shift - 1))) | 0 : sum | 0;
  return unsigned ? (r >>> shift) | 0 : r >> shift;
}
