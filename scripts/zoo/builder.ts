/**
 * A small helper for writing layer tables in code: each method appends one layer and returns its
 * name (= its output tensor), so networks read top to bottom like their papers' tables.
 */
import type { IntExpr, LayerDoc, WhenDoc } from '../../src/graph/workload.js';

export type Pads = number | readonly [number, number, number, number];

export interface ConvOptions {
  readonly stride?: number;
  readonly pad?: Pads;
  readonly groups?: number;
  /** Default false: in the zoo a conv has a bias only where the network's does. */
  readonly bias?: boolean;
}

export interface PoolOptions {
  readonly stride?: number;
  readonly pad?: Pads;
  readonly ceilMode?: boolean;
}

function pads4(p: Pads | undefined): readonly [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  return typeof p === 'number' ? [p, p, p, p] : p;
}

export class Net {
  readonly layers: LayerDoc[] = [];
  /** Applied to every layer added while set (transformer blocks under a `when`). */
  when: WhenDoc | undefined;

  layer(
    name: string,
    op: string,
    inputs: readonly string[],
    attrs?: Readonly<Record<string, unknown>>,
    bias?: boolean,
  ): string {
    this.layers.push({
      name,
      op,
      inputs,
      ...(attrs !== undefined ? { attrs } : {}),
      ...(bias !== undefined ? { bias } : {}),
      ...(this.when !== undefined ? { when: this.when } : {}),
    });
    return name;
  }

  conv(name: string, x: string, outChannels: number, kernel: number, o: ConvOptions = {}): string {
    const s = o.stride ?? 1;
    return this.layer(
      name,
      'conv2d',
      [x],
      {
        outChannels,
        kernel: [kernel, kernel],
        stride: [s, s],
        pads: pads4(o.pad),
        ...(o.groups !== undefined && o.groups !== 1 ? { groups: o.groups } : {}),
      },
      o.bias ?? false,
    );
  }

  dense(name: string, x: string, units: IntExpr, bias = true): string {
    return this.layer(name, 'dense', [x], { units }, bias);
  }

  bn(name: string, x: string, epsilon?: number): string {
    return this.layer(name, 'batchnorm', [x], epsilon !== undefined ? { epsilon } : undefined);
  }

  layernorm(name: string, x: string, epsilon: number): string {
    return this.layer(name, 'layernorm', [x], { axis: -1, epsilon });
  }

  relu(name: string, x: string): string {
    return this.layer(name, 'relu', [x]);
  }

  relu6(name: string, x: string): string {
    return this.layer(name, 'relu6', [x]);
  }

  gelu(name: string, x: string): string {
    return this.layer(name, 'gelu', [x]);
  }

  maxpool(name: string, x: string, kernel: number, o: PoolOptions = {}): string {
    return this.pool('maxpool', name, x, kernel, o);
  }

  avgpool(name: string, x: string, kernel: number, o: PoolOptions = {}): string {
    return this.pool('avgpool', name, x, kernel, o);
  }

  private pool(op: string, name: string, x: string, kernel: number, o: PoolOptions): string {
    const s = o.stride ?? 1;
    return this.layer(name, op, [x], {
      kernel: [kernel, kernel],
      stride: [s, s],
      pads: pads4(o.pad),
      ...(o.ceilMode === true ? { ceilMode: true } : {}),
    });
  }

  globalAvgPool(name: string, x: string): string {
    return this.layer(name, 'globalavgpool', [x]);
  }

  flatten(name: string, x: string): string {
    return this.layer(name, 'flatten', [x], { axis: 1 });
  }

  softmax(name: string, x: string, axis = -1): string {
    return this.layer(name, 'softmax', [x], { axis });
  }

  add(name: string, a: string, b: string): string {
    return this.layer(name, 'add', [a, b]);
  }

  mul(name: string, a: string, b: string): string {
    return this.layer(name, 'mul', [a, b]);
  }

  concat(name: string, xs: readonly string[], axis: number): string {
    return this.layer(name, 'concat', xs, { axis });
  }

  lrn(name: string, x: string, size: number, alpha: number, beta: number, bias: number): string {
    return this.layer(name, 'lrn', [x], { size, alpha, beta, bias });
  }

  reshape(name: string, x: string, shape: readonly IntExpr[]): string {
    return this.layer(name, 'reshape', [x], { shape });
  }

  transpose(name: string, x: string, perm: readonly number[]): string {
    return this.layer(name, 'transpose', [x], { perm });
  }

  matmul(name: string, a: string, b: string, transB: boolean): string {
    return this.layer(name, 'matmul', [a, b], transB ? { transB } : undefined);
  }
}
