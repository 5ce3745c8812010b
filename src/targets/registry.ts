import { systolicTarget } from './systolic/index.js';
import type { AnyTarget } from './types.js';

/** Every target, listed once. */
export const TARGETS: readonly AnyTarget[] = [systolicTarget];

export function findTarget(id: string): AnyTarget | undefined {
  return TARGETS.find((t) => t.id === id);
}
