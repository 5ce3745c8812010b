import { jetsonTarget } from './jetson/index.js';
import { movidiusTarget } from './movidius/index.js';
import { riscvClusterTarget } from './riscv-cluster/index.js';
import { systolicTarget } from './systolic/index.js';
import type { AnyTarget } from './types.js';

/** Every target, listed once. */
export const TARGETS: readonly AnyTarget[] = [
  systolicTarget,
  riscvClusterTarget,
  jetsonTarget,
  movidiusTarget,
];

export function findTarget(id: string): AnyTarget | undefined {
  return TARGETS.find((t) => t.id === id);
}
