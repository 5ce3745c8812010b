/**
 * Property tests explore new random cases on every local run (a failure prints its seed and path,
 * so it can be replayed). In CI (CI=true) the seed is fixed so that a submission's result does not
 * depend on luck; set FC_SEED to replay or vary it.
 */
import fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261122' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
