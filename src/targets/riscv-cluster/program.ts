/**
 * An assembled program image: code and data bytes at a base address, with its symbols and a map
 * from halfword addresses back to source lines (for fault messages and traces).
 */

export interface Program {
  /** Address of bytes[0]. */
  readonly base: number;
  readonly bytes: Uint8Array;
  /** Label and `.equ` values. */
  readonly symbols: ReadonlyMap<string, number>;
  /** Entry point: the `_start` symbol when defined, else `base`. */
  readonly entry: number;
  /** Source line (1-based) of the item at each halfword of `bytes`; 0 where none. */
  readonly lineOfHalfword: Int32Array;
  /** Name of the source, for messages. */
  readonly source: string;
}

/** The value of a symbol, or an error naming the missing one. */
export function symbolOf(p: Program, name: string): number {
  const v = p.symbols.get(name);
  if (v === undefined) throw new Error(`${p.source}: no symbol ${name}`);
  return v;
}

/** Source line of the instruction at `pc`, 0 when unknown. */
export function lineAt(p: Program, pc: number): number {
  const i = (pc - p.base) >>> 1;
  return i < p.lineOfHalfword.length ? (p.lineOfHalfword[i] ?? 0) : 0;
}
