import { availableParallelism } from 'node:os';
import { describeTf, loadTf } from '../../numerics/tf-backend.js';
import { canonicalJson } from '../../report/json.js';
import { TARGETS } from '../../targets/registry.js';
import { packageVersion } from '../../units/paths.js';
import { EXIT_OK, type CliIo } from '../io.js';

/** What this installation has: version, runtime, worker threads, targets, TensorFlow.js backend. */
export async function infoCommand(json: boolean, verbose: boolean, io: CliIo): Promise<number> {
  const tf = await loadTf();
  const info = {
    bitcycle: packageVersion(),
    node: process.version,
    cores: availableParallelism(),
    targets: TARGETS.map((t) => t.id),
    tfBackend: tf.backend,
    tfNotes: tf.notes,
  };
  if (json) io.out(canonicalJson(info));
  else {
    io.out(
      [
        `bitcycle ${info.bitcycle} on Node ${info.node}, ${info.cores} cores (default --workers ${info.cores})`,
        `targets: ${info.targets.join(', ')}`,
        verbose ? describeTf(tf) : `TensorFlow.js backend: ${tf.backend}`,
      ].join('\n'),
    );
  }
  return EXIT_OK;
}
