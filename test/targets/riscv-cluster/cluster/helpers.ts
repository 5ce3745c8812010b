/** Shared helpers of the cluster tests: assemble a program into L2 and build a cluster around it. */
import { assemble } from '../../../../src/targets/riscv-cluster/asm/assembler.js';
import { Cluster } from '../../../../src/targets/riscv-cluster/cluster/cluster.js';
import {
  MARSELLUS_CLUSTER,
  MARSELLUS_MAP,
  withParams,
  type ClusterParams,
} from '../../../../src/targets/riscv-cluster/cluster/params.js';

export const TCDM = MARSELLUS_MAP.tcdmBase;
export const L2 = MARSELLUS_MAP.l2Base;
export const BARRIER = MARSELLUS_MAP.eventUnitBase + MARSELLUS_MAP.barrierWaitOffset;
export const DMA = MARSELLUS_MAP.dmaBase;

/** Marsellus parameters with an ideal I-cache (so that hand derivations count instructions only) and some changes. */
export function params(changes: Partial<Omit<ClusterParams, 'map'>> = {}): ClusterParams {
  return withParams(MARSELLUS_CLUSTER, { icache: null, ...changes });
}

/** The usual symbols, prepended to every test program. */
export const PRELUDE = [
  `.equ TCDM, ${TCDM}`,
  `.equ L2, ${L2}`,
  `.equ BARRIER, ${BARRIER}`,
  `.equ DMA, ${DMA}`,
].join('\n');

/** Assemble `src` (code at the start of L2) and build a cluster running it on every core. */
export function cluster(src: string, changes: Partial<Omit<ClusterParams, 'map'>> = {}): Cluster {
  const program = assemble(`${PRELUDE}\n${src}`, { base: L2, source: 'cluster-test.s' });
  return new Cluster({ code: program, params: params(changes) });
}
