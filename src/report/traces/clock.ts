/**
 * Fold row → cycle from E's recorded timeline, for queries in fold/row order (amortised O(1); the
 * timeline holds one entry per fold start and per stall, so it is small).
 */
import type { Timeline } from '../../targets/systolic/event.js';

export class RowClock {
  private at = 0;

  constructor(private readonly tl: Timeline) {
    if (tl.rowFold.length === 0) this.at = -1;
  }

  /** Cycle in which row `row` of fold `fold` ran. Queries must not go backwards. */
  cycle(fold: number, row: number): number {
    const { rowFold, rowRow, rowCycle } = this.tl;
    if (this.at < 0) throw new Error('trace: the timeline has no rows (was it recorded by runEventTiming?)');
    let i = this.at;
    for (;;) {
      const nf = rowFold[i + 1];
      if (nf === undefined || nf > fold || (nf === fold && rowRow[i + 1]! > row)) break;
      i++;
    }
    this.at = i;
    if (rowFold[i] !== fold) throw new Error(`trace: the timeline has no entry for fold ${fold}`);
    return rowCycle[i]! + (row - rowRow[i]!);
  }
}
