/**
 * A small two-pass assembler for the riscv-cluster ISA, driven by the ISA table (../isa/table.ts):
 * every mnemonic of the table, with the operand syntax its format declares (`rd, rs1, rs2`,
 * `rd, imm(rs1)`, post-increment `rd, imm(rs1!)`, register offsets `rd, rs2(rs1!)`, loop labels …),
 * plus the usual pseudo-instructions, labels (and GNU numeric local labels `1:` / `1f` / `1b`),
 * comments (`#`, `//`) and the directives `.word .half .short .byte .space .zero .align .p2align
 * .balign .equ .set` (section, symbol-visibility and option directives are accepted and ignored).
 *
 * Conventions (RI5CY, as GVSoC models it): a hardware loop's end label names the LAST instruction
 * of the loop body; the loop index is written 0/1 or x0/x1. `pv.<op>.<w>.sc` is accepted for
 * `pv.<op>.sc.<w>`. `pv.mlinitspr rs1, ctrl` (PULP-NN's MacLoadInit, whose encoding is not public)
 * assembles to `pv.mlsdotsp.b x0, rs1, ctrl`: a MAC&LOAD whose dot product is discarded.
 *
 * Pass 1 sizes every statement and places the labels; pass 2 evaluates operands and encodes. Every
 * problem is collected and thrown as one InputError whose issues name the source, the line and the
 * column (`kernel.s: line 3, column 9: got "x32"; expected a register (x0–x31 or an ABI name)`).
 */
import { InputError, showValue, type InputIssue } from '../../../units/errors.js';
import { immFits, immRange, regFits } from '../isa/fields.js';
import { encode, operandProblem } from '../isa/encode.js';
import {
  rowsByMnemonic,
  type ImmSlot,
  type InsnDef,
  type Operands,
  type RegSlot,
  type SyntaxItem,
} from '../isa/table.js';
import type { Program } from '../program.js';
import { evaluate, ExprError, type SymbolLookup } from './expr.js';

export interface AssembleOptions {
  /** Address of the first byte (default 0). */
  readonly base?: number;
  /** Name of the source in messages (default "asm"). */
  readonly source?: string;
}

const ABI = [
  'zero',
  'ra',
  'sp',
  'gp',
  'tp',
  't0',
  't1',
  't2',
  's0',
  's1',
  'a0',
  'a1',
  'a2',
  'a3',
  'a4',
  'a5',
  'a6',
  'a7',
  's2',
  's3',
  's4',
  's5',
  's6',
  's7',
  's8',
  's9',
  's10',
  's11',
  't3',
  't4',
  't5',
  't6',
];
const REGS: ReadonlyMap<string, number> = new Map([
  ...ABI.map((n, i) => [n, i] as const),
  ...Array.from({ length: 32 }, (_, i) => [`x${i}`, i] as const),
  ['fp', 8],
]);

/** Register number of an assembler name (x5, t0, fp …), or undefined. */
export const regNumber = (name: string): number | undefined => REGS.get(name.trim().toLowerCase());

/** CSR names the assembler knows. */
export const CSR_NAMES: ReadonlyMap<string, number> = new Map([
  ['mscratch', 0x340],
  ['mhartid', 0xf14],
  ['mcycle', 0xb00],
  ['mcycleh', 0xb80],
  ['minstret', 0xb02],
  ['minstreth', 0xb82],
  ['cycle', 0xc00],
  ['cycleh', 0xc80],
  ['instret', 0xc02],
  ['instreth', 0xc82],
  ['lpstart0', 0x7b0],
  ['lpend0', 0x7b1],
  ['lpcount0', 0x7b2],
  ['lpstart1', 0x7b4],
  ['lpend1', 0x7b5],
  ['lpcount1', 0x7b6],
]);

const HWLOOP_FORMATS = new Set(['HLI', 'HLC', 'HLCI', 'HLS', 'HLSI']);
const IGNORED = new Set([
  '.text',
  '.data',
  '.bss',
  '.section',
  '.globl',
  '.global',
  '.type',
  '.size',
  '.option',
  '.file',
  '.ident',
  '.local',
]);
const MEM = /^(.*)\(\s*([A-Za-z0-9]+)\s*(!?)\s*\)$/;

interface Operand {
  readonly text: string;
  readonly col: number;
}

interface InsnStmt {
  readonly kind: 'insn';
  readonly line: number;
  readonly col: number;
  readonly seq: number;
  readonly addr: number;
  readonly size: number;
  readonly mnemonic: string;
  readonly rows: readonly InsnDef[];
  readonly ops: readonly Operand[];
}

interface DataStmt {
  readonly kind: 'data';
  readonly line: number;
  readonly seq: number;
  readonly addr: number;
  readonly width: 1 | 2 | 4;
  readonly values: readonly Operand[];
}

type Stmt = InsnStmt | DataStmt;

/** Split `text` at top-level commas, keeping each piece's column (1-based, from `col0`). */
function splitOperands(text: string, col0: number): Operand[] {
  const out: Operand[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number): void => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), col: col0 + start + lead });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  if (text.trim() !== '') push(text.length);
  return out;
}

function stripComment(line: string): string {
  let cut = line.length;
  const hash = line.indexOf('#');
  if (hash >= 0) cut = hash;
  const slashes = line.indexOf('//');
  if (slashes >= 0 && slashes < cut) cut = slashes;
  return line.slice(0, cut);
}

function syntaxText(def: InsnDef): string {
  const parts = def.format.syntax.map((s) => {
    switch (s.t) {
      case 'reg':
        return s.slot;
      case 'imm':
        return s.slot === 'imm3' ? 'L' : s.slot;
      case 'label':
        return 'label';
      case 'csr':
        return 'csr';
      case 'mem': {
        const off = 'reg' in s.off ? s.off.reg : 'imm';
        return `${off}(${s.base}${s.post ? '!' : ''})`;
      }
    }
  });
  return `${def.mnemonic}${parts.length > 0 ? ` ${parts.join(', ')}` : ''}`;
}

function isReg(text: string): boolean {
  return regNumber(text) !== undefined;
}

function loopIndexItem(def: InsnDef, s: SyntaxItem): boolean {
  return s.t === 'imm' && s.slot === 'imm3' && HWLOOP_FORMATS.has(def.format.name);
}

function shapeFits1(def: InsnDef, s: SyntaxItem, t: string): boolean {
  if (s.t === 'reg') return isReg(t);
  if (s.t === 'mem') {
    const m = MEM.exec(t);
    if (m === null || !isReg(m[2]!) || (m[3] === '!') !== s.post) return false;
    const offIsReg = isReg(m[1]!);
    return 'reg' in s.off ? offIsReg : !offIsReg;
  }
  if (loopIndexItem(def, s)) return t !== '';
  return t !== '' && !isReg(t);
}

function shapeFits(def: InsnDef, ops: readonly Operand[]): boolean {
  const syn = def.format.syntax;
  return syn.length === ops.length && syn.every((s, i) => shapeFits1(def, s, ops[i]!.text));
}

function describeItem(s: SyntaxItem): string {
  switch (s.t) {
    case 'reg':
      return 'a register (x0–x31 or an ABI name)';
    case 'mem': {
      const off = 'reg' in s.off ? 'a register offset' : 'an immediate offset';
      return `a memory operand with ${off}${s.post ? ' and post-increment, off(base!)' : ', off(base)'}`;
    }
    case 'label':
      return 'a label';
    case 'csr':
      return 'a CSR name or number';
    case 'imm':
      return 'a value (not a register)';
  }
}

const SIMD_ALIAS = /^pv\.([a-z0-9]+)\.([hbnc])\.(sc|sci)$/;

function rangeText(def: InsnDef, slot: ImmSlot, shift: number): string {
  const spec = def.format.imms[slot];
  if (spec === undefined) return 'a value';
  const r = immRange(spec);
  const f = (v: number): string => `${Math.trunc(v / 2 ** shift)}`;
  return `an integer in [${f(r.min)}, ${f(r.max)}]${r.align > 1 && shift === 0 ? ` that is a multiple of ${r.align}` : ''}`;
}

/** Assemble `text` into a program image. Throws one InputError listing every problem. */
export function assemble(text: string, options: AssembleOptions = {}): Program {
  const base = options.base ?? 0;
  const source = options.source ?? 'asm';
  const issues: InputIssue[] = [];
  const fail = (line: number, col: number, value: string, expected: string): void => {
    issues.push({ file: source, path: `line ${line}, column ${col}`, value: showValue(value), expected });
  };
  const rows = rowsByMnemonic();
  const symbols = new Map<string, number>();
  const locals = new Map<string, { seq: number; addr: number }[]>();
  const stmts: Stmt[] = [];
  let addr = base;
  let seq = 0;

  const lookupAt =
    (at: number): SymbolLookup =>
    (name) => {
      const m = /^(\d+)([fb])$/.exec(name);
      if (m === null) return symbols.get(name);
      const defs = locals.get(m[1]!) ?? [];
      if (m[2] === 'b') {
        let v: number | undefined;
        for (const d of defs) if (d.seq <= at) v = d.addr;
        return v;
      }
      return defs.find((d) => d.seq > at)?.addr;
    };

  const evalAt = (op: Operand, line: number, at: number, what: string): number | undefined => {
    try {
      return evaluate(op.text, lookupAt(at));
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      fail(line, op.col + e.offset, op.text, `${what} (${e.message})`);
      return undefined;
    }
  };

  const tryEval = (op: Operand, at: number): number | undefined => {
    try {
      return evaluate(op.text, lookupAt(at));
    } catch (e) {
      if (e instanceof ExprError) return undefined;
      throw e;
    }
  };

  const pushInsn = (line: number, col: number, mnemonic: string, ops: readonly Operand[]): void => {
    let m = mnemonic;
    if (!rows.has(m)) {
      const a = SIMD_ALIAS.exec(m);
      if (a !== null) m = `pv.${a[1]!}.${a[3]!}.${a[2]!}`;
    }
    const cands = rows.get(m);
    if (cands === undefined) {
      fail(line, col, mnemonic, 'a known mnemonic or pseudo-instruction (see docs/riscv-cluster.md)');
      return;
    }
    const size = cands[0]!.size;
    stmts.push({ kind: 'insn', line, col, seq, addr, size, mnemonic: m, rows: cands, ops });
    addr += size;
  };

  const num = (v: number, col: number): Operand => ({ text: `${v}`, col });
  const reg = (name: string, col: number): Operand => ({ text: name, col });

  /** Pseudo-instructions; false when `m` is not one. */
  const pseudo = (line: number, col: number, m: string, ops: readonly Operand[]): boolean => {
    const o = (i: number): Operand => ops[i] ?? { text: '', col };
    const need = (n: number, form: string): boolean => {
      if (ops.length === n) return true;
      fail(line, col, `${m} ${ops.map((x) => x.text).join(', ')}`.trim(), `${n} operand(s): ${form}`);
      return false;
    };
    const emit = (mn: string, list: readonly Operand[]): void => {
      pushInsn(line, col, mn, list);
    };
    switch (m) {
      case 'nop':
        if (need(0, 'nop')) emit('addi', [reg('x0', col), reg('x0', col), num(0, col)]);
        return true;
      case 'li': {
        if (!need(2, 'li rd, value')) return true;
        const v = tryEval(o(1), seq);
        if (v === undefined) {
          emit('lui', [o(0), { text: `%hi(${o(1).text})`, col: o(1).col }]);
          emit('addi', [o(0), o(0), { text: `%lo(${o(1).text})`, col: o(1).col }]);
          return true;
        }
        if (v < -(2 ** 31) || v > 2 ** 32 - 1) {
          fail(line, o(1).col, o(1).text, 'a 32-bit value');
          return true;
        }
        const w = v | 0;
        if (w >= -2048 && w <= 2047) emit('addi', [o(0), reg('x0', col), num(w, o(1).col)]);
        else {
          const lo = (w << 20) >> 20;
          emit('lui', [o(0), num(((w - lo) >>> 12) & 0xfffff, o(1).col)]);
          if (lo !== 0) emit('addi', [o(0), o(0), num(lo, o(1).col)]);
        }
        return true;
      }
      case 'la':
        if (need(2, 'la rd, symbol')) {
          emit('lui', [o(0), { text: `%hi(${o(1).text})`, col: o(1).col }]);
          emit('addi', [o(0), o(0), { text: `%lo(${o(1).text})`, col: o(1).col }]);
        }
        return true;
      case 'mv':
        if (need(2, 'mv rd, rs')) emit('addi', [o(0), o(1), num(0, col)]);
        return true;
      case 'not':
        if (need(2, 'not rd, rs')) emit('xori', [o(0), o(1), num(-1, col)]);
        return true;
      case 'neg':
        if (need(2, 'neg rd, rs')) emit('sub', [o(0), reg('x0', col), o(1)]);
        return true;
      case 'seqz':
        if (need(2, 'seqz rd, rs')) emit('sltiu', [o(0), o(1), num(1, col)]);
        return true;
      case 'snez':
        if (need(2, 'snez rd, rs')) emit('sltu', [o(0), reg('x0', col), o(1)]);
        return true;
      case 'sltz':
        if (need(2, 'sltz rd, rs')) emit('slt', [o(0), o(1), reg('x0', col)]);
        return true;
      case 'sgtz':
        if (need(2, 'sgtz rd, rs')) emit('slt', [o(0), reg('x0', col), o(1)]);
        return true;
      case 'beqz':
      case 'bnez':
      case 'bltz':
      case 'bgez':
        if (need(2, `${m} rs, label`)) emit(`b${m.slice(1, 3)}`, [o(0), reg('x0', col), o(1)]);
        return true;
      case 'blez':
        if (need(2, 'blez rs, label')) emit('bge', [reg('x0', col), o(0), o(1)]);
        return true;
      case 'bgtz':
        if (need(2, 'bgtz rs, label')) emit('blt', [reg('x0', col), o(0), o(1)]);
        return true;
      case 'bgt':
      case 'ble':
      case 'bgtu':
      case 'bleu': {
        const to = { bgt: 'blt', ble: 'bge', bgtu: 'bltu', bleu: 'bgeu' }[m];
        if (need(3, `${m} rs1, rs2, label`)) emit(to, [o(1), o(0), o(2)]);
        return true;
      }
      case 'j':
      case 'tail':
        if (need(1, `${m} label`)) emit('jal', [reg('x0', col), o(0)]);
        return true;
      case 'call':
        if (need(1, 'call label')) emit('jal', [reg('ra', col), o(0)]);
        return true;
      case 'jr':
        if (need(1, 'jr rs')) emit('jalr', [reg('x0', col), { text: `0(${o(0).text})`, col: o(0).col }]);
        return true;
      case 'ret':
        if (need(0, 'ret')) emit('jalr', [reg('x0', col), { text: '0(ra)', col }]);
        return true;
      case 'jal':
        if (ops.length !== 1) return false;
        emit('jal', [reg('ra', col), o(0)]);
        return true;
      case 'jalr':
        if (ops.length === 1 && isReg(o(0).text)) {
          emit('jalr', [reg('ra', col), { text: `0(${o(0).text})`, col: o(0).col }]);
          return true;
        }
        if (ops.length === 3 && isReg(o(1).text)) {
          emit('jalr', [o(0), { text: `${o(2).text}(${o(1).text})`, col: o(2).col }]);
          return true;
        }
        return false;
      case 'csrr':
        if (need(2, 'csrr rd, csr')) emit('csrrs', [o(0), o(1), reg('x0', col)]);
        return true;
      case 'csrw':
      case 'csrs':
      case 'csrc':
        if (need(2, `${m} csr, rs`)) emit(`csrr${m.slice(3)}`, [reg('x0', col), o(0), o(1)]);
        return true;
      case 'csrwi':
      case 'csrsi':
      case 'csrci':
        if (need(2, `${m} csr, uimm5`)) emit(`csrr${m.slice(3)}`, [reg('x0', col), o(0), o(1)]);
        return true;
      case 'rdcycle':
      case 'rdinstret':
        if (need(1, `${m} rd`)) emit('csrrs', [o(0), reg(m.slice(2), col), reg('x0', col)]);
        return true;
      case 'pv.mlinitspr':
        if (need(2, 'pv.mlinitspr rs1, ctrl')) emit('pv.mlsdotsp.b', [reg('x0', col), o(0), o(1)]);
        return true;
      default:
        return false;
    }
  };

  /** n zero bytes at the current address. */
  const zeroFill = (line: number, col: number, n: number): void => {
    if (n > 0)
      stmts.push({
        kind: 'data',
        line,
        seq,
        addr,
        width: 1,
        values: Array.from({ length: n }, () => num(0, col)),
      });
    addr += n;
  };

  const align = (line: number, col: number, n: number | undefined): void => {
    if (n === undefined) return;
    if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) {
      fail(line, col, `${n}`, 'a power-of-two alignment');
      return;
    }
    zeroFill(line, col, (n - ((addr - base) % n)) % n);
  };

  // ---------------------------------------------------------------------------------------------
  // Pass 1: labels, sizes, pseudo-instruction expansion

  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, li) => {
    const line = li + 1;
    let rest = stripComment(rawLine);
    let col = 1;
    for (;;) {
      const lm = /^(\s*)([A-Za-z_.$][\w.$]*|\d+)\s*:/.exec(rest);
      if (lm === null) break;
      const name = lm[2]!;
      const at = col + lm[1]!.length;
      if (/^\d+$/.test(name)) {
        const list = locals.get(name) ?? [];
        list.push({ seq, addr });
        locals.set(name, list);
      } else if (symbols.has(name)) fail(line, at, name, 'a label defined once');
      else if (isReg(name)) fail(line, at, name, 'a label name that is not a register name');
      else symbols.set(name, addr);
      col += lm[0].length;
      rest = rest.slice(lm[0].length);
    }
    const sm = /^(\s*)(\S+)(.*)$/.exec(rest);
    if (sm === null) return;
    const mcol = col + sm[1]!.length;
    const word = sm[2]!.toLowerCase();
    const opsText = sm[3]!;
    const ops = splitOperands(opsText, mcol + sm[2]!.length);
    if (ops.some((o) => o.text === '')) {
      fail(line, mcol, rest.trim(), 'operands separated by single commas');
      return;
    }
    if (word.startsWith('.')) {
      switch (word) {
        case '.word':
        case '.long':
        case '.half':
        case '.short':
        case '.byte': {
          const width = word === '.byte' ? 1 : word === '.half' || word === '.short' ? 2 : 4;
          if (ops.length === 0) fail(line, mcol, word, `${word} value[, value …]`);
          stmts.push({ kind: 'data', line, seq, addr, width, values: ops });
          addr += width * ops.length;
          break;
        }
        case '.space':
        case '.zero': {
          const n = ops[0] === undefined ? undefined : evalAt(ops[0], line, seq, 'a byte count known here');
          if (n === undefined || !Number.isInteger(n) || n < 0) {
            if (n !== undefined || ops[0] === undefined) fail(line, mcol, rest.trim(), `${word} bytes`);
            break;
          }
          zeroFill(line, mcol, n);
          break;
        }
        case '.align':
        case '.p2align':
        case '.balign': {
          const n = ops[0] === undefined ? undefined : evalAt(ops[0], line, seq, 'an alignment known here');
          if (ops[0] === undefined) fail(line, mcol, word, `${word} n`);
          align(line, mcol, n === undefined ? undefined : word === '.balign' ? n : 2 ** n);
          break;
        }
        case '.equ':
        case '.set': {
          const name = ops[0]?.text ?? '';
          if (ops.length !== 2 || !/^[A-Za-z_.$][\w.$]*$/.test(name)) {
            fail(line, mcol, rest.trim(), `${word} name, value`);
            break;
          }
          const v = evalAt(ops[1]!, line, seq, 'a value known here');
          if (v === undefined) break;
          if (symbols.has(name)) fail(line, ops[0]!.col, name, 'a symbol defined once');
          else symbols.set(name, v);
          break;
        }
        default:
          if (!IGNORED.has(word))
            fail(line, mcol, word, 'a known directive (.word .half .byte .space .align .balign .equ …)');
      }
      seq++;
      return;
    }
    if (!pseudo(line, mcol, word, ops)) pushInsn(line, mcol, word, ops);
    seq++;
  });

  // ---------------------------------------------------------------------------------------------
  // Pass 2: operands and encoding

  const size = addr - base;
  const bytes = new Uint8Array(size);
  const lineOfHalfword = new Int32Array(Math.ceil(size / 2));
  const put = (at: number, width: number, v: number): void => {
    for (let i = 0; i < width; i++) bytes[at - base + i] = (v >>> (8 * i)) & 0xff;
  };

  for (const st of stmts) {
    if (st.kind === 'data') {
      let at = st.addr;
      const lim = st.width === 4 ? 2 ** 32 : 2 ** (8 * st.width);
      for (const op of st.values) {
        const v = evalAt(op, st.line, st.seq, 'a value');
        if (v !== undefined) {
          if (v < -lim / 2 || v >= lim) fail(st.line, op.col, op.text, `a ${st.width * 8}-bit value`);
          else put(at, st.width, v);
        }
        if ((at - base) % 2 === 0 && lineOfHalfword[(at - base) / 2] === 0)
          lineOfHalfword[(at - base) / 2] = st.line;
        at += st.width;
      }
      continue;
    }
    if (st.addr % 2 !== 0) {
      fail(st.line, st.col, st.mnemonic, 'an instruction at an even address (use .align)');
      continue;
    }
    const def = st.rows.find((d) => shapeFits(d, st.ops));
    if (def === undefined) {
      const sameCount = st.rows.filter((d) => d.format.syntax.length === st.ops.length);
      const only = sameCount.length === 1 ? sameCount[0]! : undefined;
      const bad =
        only === undefined
          ? -1
          : only.format.syntax.findIndex((s, i) => !shapeFits1(only, s, st.ops[i]!.text));
      if (only !== undefined && bad >= 0) {
        const op = st.ops[bad]!;
        fail(st.line, op.col, op.text, `${describeItem(only.format.syntax[bad]!)} (${syntaxText(only)})`);
      } else {
        const given = `${st.mnemonic} ${st.ops.map((o) => o.text).join(', ')}`.trim();
        fail(st.line, st.col, given, `operands of the form ${st.rows.map(syntaxText).join(' or ')}`);
      }
      continue;
    }
    const ops = assembleOperands(def, st, lookupAt(st.seq), fail);
    if (ops === null) continue;
    const problem = operandProblem(def, ops);
    if (problem !== null) {
      fail(
        st.line,
        st.col,
        `${st.mnemonic} ${st.ops.map((o) => o.text).join(', ')}`.trim(),
        `valid operands: ${problem}`,
      );
      continue;
    }
    put(st.addr, def.size, encode(def, ops));
    lineOfHalfword[(st.addr - base) / 2] = st.line;
  }

  if (issues.length > 0) throw new InputError(issues);
  return { base, bytes, symbols, entry: symbols.get('_start') ?? base, lineOfHalfword, source };
}

type Fail = (line: number, col: number, value: string, expected: string) => void;

/** Evaluate the operands of `st` for row `def`; null after reporting a problem. */
function assembleOperands(def: InsnDef, st: InsnStmt, lookup: SymbolLookup, fail: Fail): Operands | null {
  const ops: Operands = { rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, imm2: 0, imm3: 0 };
  const set = new Set<RegSlot>();
  const bad = { count: 0 };
  const evalOp = (text: string, col: number, what: string): number | undefined => {
    try {
      return evaluate(text, lookup);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      fail(st.line, col + e.offset, text, `${what} (${e.message})`);
      bad.count++;
      return undefined;
    }
  };
  const setReg = (slot: RegSlot, text: string, col: number): void => {
    const r = regNumber(text);
    const spec = def.format.regs[slot];
    if (r === undefined || spec === undefined) {
      fail(st.line, col, text, 'a register (x0–x31 or an ABI name)');
      bad.count++;
      return;
    }
    if (!regFits(r, spec)) {
      const expected =
        spec.kind === 'compressed'
          ? 'one of x8–x15 (s0, s1, a0–a5) in a compressed instruction'
          : spec.kind === 'fixed'
            ? `x${spec.reg}`
            : 'x0–x31';
      fail(st.line, col, text, expected);
      bad.count++;
      return;
    }
    ops[slot] = r;
    set.add(slot);
  };
  const setImm = (slot: ImmSlot, v: number, text: string, col: number, shift = 0): void => {
    const spec = def.format.imms[slot];
    if (spec === undefined) return;
    let value = v;
    if (shift > 0) {
      if (!Number.isInteger(v) || v < -(2 ** (31 - shift)) || v > 2 ** (32 - shift) - 1) {
        fail(st.line, col, text, `a ${32 - shift}-bit value`);
        bad.count++;
        return;
      }
      value = (v << shift) | 0;
    }
    if (!immFits(value, spec)) {
      fail(st.line, col, text, rangeText(def, slot, shift));
      bad.count++;
      return;
    }
    ops[slot] = value;
  };

  def.format.syntax.forEach((s, i) => {
    const op = st.ops[i]!;
    switch (s.t) {
      case 'reg':
        setReg(s.slot, op.text, op.col);
        return;
      case 'imm': {
        if (loopIndexItem(def, s) && isReg(op.text)) {
          const r = regNumber(op.text)!;
          if (r > 1) {
            fail(st.line, op.col, op.text, 'hardware loop 0 or 1 (x0/x1)');
            bad.count++;
          } else ops[s.slot] = r;
          return;
        }
        const v = evalOp(op.text, op.col, 'a value');
        if (v !== undefined) setImm(s.slot, v, op.text, op.col, s.shift ?? 0);
        return;
      }
      case 'label': {
        const target = evalOp(op.text, op.col, 'a label or address');
        if (target === undefined) return;
        const off = target - st.addr;
        const spec = def.format.imms[s.slot];
        if (spec !== undefined && !immFits(off, spec)) {
          const r = immRange(spec);
          fail(
            st.line,
            op.col,
            op.text,
            `a target at an offset in [${r.min}, ${r.max}] bytes from this instruction, a multiple of ${r.align} (it is ${off})`,
          );
          bad.count++;
          return;
        }
        ops[s.slot] = off;
        return;
      }
      case 'csr': {
        const named = CSR_NAMES.get(op.text.toLowerCase());
        const v = named ?? evalOp(op.text, op.col, 'a CSR name or number');
        if (v !== undefined) setImm(s.slot, v, op.text, op.col);
        return;
      }
      case 'mem': {
        const m = MEM.exec(op.text)!;
        const baseCol = op.col + op.text.indexOf('(') + 1;
        setReg(s.base, m[2]!, baseCol);
        const offText = m[1]!.trim();
        if ('reg' in s.off) setReg(s.off.reg, offText, op.col);
        else {
          const v = offText === '' ? 0 : evalOp(offText, op.col, 'an offset');
          if (v !== undefined) setImm(s.off.imm, v, offText === '' ? op.text : offText, op.col);
        }
        return;
      }
    }
  });
  if (bad.count > 0) return null;
  for (const [slot, spec] of Object.entries(def.format.regs) as [
    RegSlot,
    (typeof def.format.regs)[RegSlot],
  ][]) {
    if (spec?.kind === 'fixed' && !set.has(slot)) ops[slot] = spec.reg;
  }
  for (const [slot, from] of def.format.ties) ops[slot] = ops[from];
  return ops;
}
