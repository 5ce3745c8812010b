/**
 * TensorFlow.js backend selection for the fp32 reference runs.
 *
 * `@tensorflow/tfjs-node` is an optionalDependency: its install script downloads a native library,
 * which fails where there is no internet, so it is usually absent. We use it when it loads, and
 * otherwise fall back to the WebAssembly backend that ships inside `@tensorflow/tfjs-backend-wasm`
 * (about 30× faster than the plain-JS cpu backend), and to `cpu` if even that fails.
 */
import type * as TF from '@tensorflow/tfjs';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TfHandle {
  readonly tf: typeof TF;
  readonly backend: TfBackendName;
  /** Why the faster backends were not used, for --verbose. */
  readonly notes: readonly string[];
}

let cached: Promise<TfHandle> | undefined;

/** Load TensorFlow.js once per process with the fastest backend that works here. */
export function loadTf(prefer?: TfBackendName): Promise<TfHandle> {
  cached ??= pickBackend(prefer);
  return cached;
}

async function pickBackend(prefer?: TfBackendName): Promise<TfHandle> {
  const notes: string[] = [];
  if (prefer === undefined || prefer === 'tensorflow') {
    try {
      // Registers the 'tensorflow' backend on the shared @tensorflow/tfjs instance when it loads.
      const nodeName = '@tensorflow/tfjs-node';
      await import(nodeName);
      const tf = await import('@tensorflow/tfjs');
      if (await tf.setBackend('tensorflow')) return { tf, backend: 'tensorflow', notes };
      notes.push('tfjs-node loaded but its backend did not initialise');
    } catch (e) {
      notes.push(`tfjs-node not available (${firstLine(e)})`);
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (prefer !== 'cpu') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm', notes };
      }
      notes.push('wasm backend did not initialise');
    } catch (e) {
      notes.push(`wasm backend not available (${firstLine(e)})`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu', notes };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}

/** One line for --verbose output. */
export function describeTf(h: TfHandle): string {
  const why = h.notes.length > 0 ? `; ${h.notes.join('; ')}` : '';
  return `TensorFlow.js backend: ${h.backend}${why}`;
}
