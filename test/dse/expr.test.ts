import { describe, expect, it } from 'vitest';
import { ExprError, parseExpr, type Value } from '../../src/dse/expr.js';

const env: Record<string, Value> = { rows: 32, cols: 16, 'sram.ifmap_kib': 64, dataflow: 'os', on: true };
const ev = (text: string): Value => parseExpr(text).evaluate((n) => env[n]);

describe('sweep expressions', () => {
  it('follows arithmetic precedence and associativity', () => {
    expect(ev('1 + 2 * 3')).toBe(7);
    expect(ev('(1 + 2) * 3')).toBe(9);
    expect(ev('10 - 4 - 3')).toBe(3);
    expect(ev('2 * -3')).toBe(-6);
    expect(ev('7 % 4 + 1.5e1')).toBe(18);
    expect(ev('rows * cols')).toBe(512);
    expect(ev('sram.ifmap_kib / 2')).toBe(32);
  });

  it('compares, combines and calls functions', () => {
    expect(ev('rows * cols == 512')).toBe(true);
    expect(ev('rows <= cols || cols >= 16')).toBe(true);
    expect(ev('rows < cols && on')).toBe(false);
    expect(ev("dataflow == 'os'")).toBe(true);
    expect(ev('dataflow != "ws"')).toBe(true);
    expect(ev('!(rows > 8)')).toBe(false);
    expect(ev('max(rows, cols, 40) - min(rows, cols)')).toBe(24);
    expect(ev('log2(rows) + abs(-1)')).toBe(6);
  });

  it('lists the names it reads', () => {
    expect(parseExpr('rows * cols <= sram.ifmap_kib + rows').names).toEqual([
      'rows',
      'cols',
      'sram.ifmap_kib',
    ]);
  });

  it('reports syntax errors with their column', () => {
    const col = (text: string): number | undefined => {
      try {
        parseExpr(text);
      } catch (e) {
        expect(e).toBeInstanceOf(ExprError);
        return (e as ExprError).column;
      }
      return undefined;
    };
    expect(col('rows * ')).toBe(8);
    expect(col('rows $ 2')).toBe(6);
    expect(col('(rows')).toBe(6);
    expect(col('rows 2')).toBe(6);
    expect(col("'abc")).toBe(1);
    expect(col('log2(1, 2)')).toBe(1);
  });

  it('refuses type errors and unknown names when evaluated', () => {
    expect(() => ev('dataflow + 1')).toThrow(/needs numbers/);
    expect(() => ev('rows && on')).toThrow(/needs true\/false/);
    expect(() => ev('nope > 1')).toThrow(/unknown name "nope"/);
  });
});
