/**
 * The parameters of a number format, independent of its name. parse.ts turns text into a FormatSpec,
 * build.ts turns a FormatSpec into a NumberFormat. Two names that give equal specs are one format.
 */

/**
 * Special values of a minifloat (sign bit, e exponent bits, m mantissa bits, exponent field 0 is
 * subnormal):
 * - `ieee`: the all-ones exponent is reserved: mantissa 0 is ±infinity, any other mantissa is NaN.
 * - `fn`: no infinity; only S.1…1.1…1 (exponent and mantissa all ones) is NaN (OCP E4M3, ONNX E4M3FN).
 * - `fnuz`: no infinity, no negative zero; 1.0…0.0…0 (the would-be −0) is the only NaN.
 * - `finite`: every code is a finite number (OCP MX FP6/FP4, short floats).
 */
export type MinifloatSpecials = 'ieee' | 'fn' | 'fnuz' | 'finite';

export const MINIFLOAT_SPECIALS: readonly MinifloatSpecials[] = ['ieee', 'fn', 'fnuz', 'finite'];

export interface IntSpec {
  readonly kind: 'int';
  readonly bits: number;
  readonly signed: boolean;
}

/** Qm.n: m integer bits (including the sign bit when signed), n fraction bits. */
export interface FixedSpec {
  readonly kind: 'fixed';
  readonly intBits: number;
  readonly fracBits: number;
  readonly signed: boolean;
}

export interface BinarySpec {
  readonly kind: 'binary';
}

export interface TernarySpec {
  readonly kind: 'ternary';
}

export interface MinifloatSpec {
  readonly kind: 'minifloat';
  readonly exp: number;
  readonly man: number;
  readonly bias: number;
  readonly specials: MinifloatSpecials;
}

export interface PositSpec {
  readonly kind: 'posit';
  readonly bits: number;
  readonly es: number;
}

export interface Pow2Spec {
  readonly kind: 'pow2';
  readonly bits: number;
}

export type FormatSpec =
  IntSpec | FixedSpec | BinarySpec | TernarySpec | MinifloatSpec | PositSpec | Pow2Spec;

export function specBits(spec: FormatSpec): number {
  switch (spec.kind) {
    case 'int':
    case 'posit':
    case 'pow2':
      return spec.bits;
    case 'fixed':
      return spec.intBits + spec.fracBits;
    case 'binary':
      return 1;
    case 'ternary':
      return 2;
    case 'minifloat':
      return 1 + spec.exp + spec.man;
  }
}

export function defaultBias(exp: number): number {
  return 2 ** (exp - 1) - 1;
}

/** The generic (non-alias) canonical name of a spec; named formats may override it (catalog.ts). */
export function genericName(spec: FormatSpec): string {
  switch (spec.kind) {
    case 'int':
      return `${spec.signed ? 'int' : 'uint'}${spec.bits}`;
    case 'fixed':
      return `${spec.signed ? 'fixed' : 'ufixed'}<${spec.intBits},${spec.fracBits}>`;
    case 'binary':
      return 'binary';
    case 'ternary':
      return 'ternary';
    case 'minifloat': {
      const bias = spec.bias === defaultBias(spec.exp) ? '' : `,bias=${spec.bias}`;
      return `minifloat<${spec.exp},${spec.man},${spec.specials}${bias}>`;
    }
    case 'posit':
      return `posit<${spec.bits},${spec.es}>`;
    case 'pow2':
      return `pow2<${spec.bits}>`;
  }
}
