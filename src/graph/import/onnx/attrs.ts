/**
 * Typed access to a node's attributes. A wrong attribute type, an unknown attribute or a value out
 * of range is an issue naming `nodes[i] (name, OpType).attributes.<name>`; nothing is ignored.
 */
import { AttributeProto_AttributeType as AT, type AttributeProto, type TensorProto } from 'onnx-buf';
import type { IssueList } from './issues.js';

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [AT.FLOAT]: 'FLOAT',
  [AT.INT]: 'INT',
  [AT.STRING]: 'STRING',
  [AT.TENSOR]: 'TENSOR',
  [AT.GRAPH]: 'GRAPH',
  [AT.FLOATS]: 'FLOATS',
  [AT.INTS]: 'INTS',
  [AT.STRINGS]: 'STRINGS',
};

function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/**
 * The shortest decimal that rounds to the same float32: ONNX FLOAT attributes are float32, and
 * `1e-5` reads back as 1e-5 rather than 9.99999974737875e-6.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

export class Attrs {
  private readonly map: ReadonlyMap<string, AttributeProto>;

  constructor(
    attributes: readonly AttributeProto[],
    private readonly path: string,
    private readonly issues: IssueList,
  ) {
    this.map = new Map(attributes.map((a) => [a.name, a]));
  }

  private at(name: string): string {
    return `${this.path}.attributes.${name}`;
  }

  /** An issue about attribute `name`. */
  fail(name: string, value: string, expected: string): void {
    this.issues.add(this.at(name), value, expected);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Every attribute not in `known` is an issue. */
  checkKnown(known: readonly string[]): void {
    for (const name of this.map.keys()) {
      if (!known.includes(name)) {
        this.fail(name, 'present', `only the attributes ${known.length > 0 ? known.join(', ') : '(none)'}`);
      }
    }
  }

  private typed(name: string, type: AT): AttributeProto | undefined {
    const a = this.map.get(name);
    if (a === undefined) return undefined;
    if (a.type !== type && !(a.type === AT.UNDEFINED && a.refAttrName === '')) {
      this.fail(name, `a ${typeName(a.type)} attribute`, `a ${typeName(type)} attribute`);
      return undefined;
    }
    return a;
  }

  private bigToNumber(name: string, v: bigint): number | undefined {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
    this.fail(name, String(v), 'an integer within ±2^53');
    return undefined;
  }

  int(name: string, fallback: number): number {
    const a = this.typed(name, AT.INT);
    if (a === undefined) return fallback;
    return this.bigToNumber(name, a.i) ?? fallback;
  }

  /** An INT attribute that must be one of `allowed`. */
  intIn(name: string, fallback: number, allowed: readonly number[], why: string): number {
    const v = this.int(name, fallback);
    if (allowed.includes(v)) return v;
    this.fail(name, String(v), `${allowed.join(' or ')} (${why})`);
    return fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.typed(name, AT.INTS);
    if (a === undefined) return undefined;
    const out: number[] = [];
    for (const v of a.ints) {
      const n = this.bigToNumber(name, v);
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  }

  /** A FLOAT attribute as its shortest decimal (see shortestFloat32). */
  float(name: string, fallback: number): number {
    const a = this.typed(name, AT.FLOAT);
    return a === undefined ? fallback : shortestFloat32(a.f);
  }

  string(name: string, fallback: string): string {
    const a = this.typed(name, AT.STRING);
    return a === undefined ? fallback : new TextDecoder().decode(a.s);
  }

  tensor(name: string): TensorProto | undefined {
    return this.typed(name, AT.TENSOR)?.t;
  }

  /** The only attribute present (Constant's value_*), with its type name. */
  single(): AttributeProto | undefined {
    return this.map.size === 1 ? [...this.map.values()][0] : undefined;
  }
}
