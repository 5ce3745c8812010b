import type { AnyTarget } from './types.js';

/** Every target, listed once. */
export const TARGETS: readonly AnyTarget[] = [];

export function findTarget(id: string): AnyTarget | undefined {
  return TARGETS.find((t) => t.id === id);
}
