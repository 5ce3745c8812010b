import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { describeTf, loadTf } from '../../src/numerics/tf-backend.js';
import { cli } from '../cli/helpers.js';

/** Is the optional native package installed here? (Its install script needs the internet.) */
function hasTfjsNode(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('TensorFlow.js backend selection', () => {
  it('uses tfjs-node when it is installed, and the wasm backend (which ships in its package) otherwise', async () => {
    const h = await loadTf();
    if (hasTfjsNode()) expect(h.backend).toBe('tensorflow');
    else {
      expect(h.backend).toBe('wasm');
      expect(h.notes.join(' ')).toContain('tfjs-node not available');
    }
    // the backend really computes: a 2×2 matmul
    const y = h.tf.matMul(h.tf.tensor2d([1, 2, 3, 4], [2, 2]), h.tf.tensor2d([5, 6, 7, 8], [2, 2]));
    expect(Array.from(await y.data())).toEqual([19, 22, 43, 50]);
    expect(describeTf(h)).toContain(`TensorFlow.js backend: ${h.backend}`);
  });

  it('bitcycle info --verbose says which backend and why', async () => {
    const r = await cli('info', '--verbose');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TensorFlow\.js backend: (tensorflow|wasm|cpu)/);
    if (!hasTfjsNode()) expect(r.stdout).toContain('tfjs-node not available');
  });
});
