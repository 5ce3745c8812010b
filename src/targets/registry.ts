import { riscvClusterTarget } from './riscv-cluster/index.js';
import { systolicTarget } from './systolic/index.js';
import type { AnyTarget } from './types.js';

/** Every target, listed once. */
export const TARGETS: readonly AnyTarget[] = [systolicTarget, riscvClusterTarget];

export function findTarget(id: string): AnyTarget | undefined {
  return TARGETS.find((t) => t.id === id);
}
