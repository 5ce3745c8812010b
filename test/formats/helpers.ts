/** Shared helpers for the format tests. */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no package.json above the test folder');
    dir = up;
  }
  return dir;
}

/** ONNX backend node test data, shipped beside the repository (read-only). */
export function onnxNodeTestsDir(): string {
  return path.resolve(repoRoot(), '../shared/onnx-node-tests');
}

/** Bit pattern of a float32 (independent of src/formats). */
export function f32bits(v: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v);
  return dv.getUint32(0);
}

/** Value of a float32 bit pattern (independent of src/formats). */
export function f32(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits);
  return dv.getFloat32(0);
}

/** Same value including the sign of zero; NaN equals NaN. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b);
}
