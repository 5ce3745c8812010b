/**
 * The kernel harness: lay a quantized conv layer out in a flat memory, generate and assemble the
 * kernel for a range of output rows, run it on one RiscvCore until it halts, and read the outputs
 * back (docs/riscv-cluster-kernels.md).
 */
import { RiscvCore } from '../core/core.js';
import type { InstructionCache } from '../core/icache.js';
import { FlatMemory } from '../core/memory.js';
import type { ActionCounts } from '../../../engine/component.js';
import { generateConv } from './conv.js';
import { layoutLayer, outSize, planMemory, unpackCodes, type MemoryPlan, type QuantConv } from './layout.js';
import { InputError } from '../../../units/errors.js';

/** Where the data starts; the program sits below it. */
export const DATA_BASE = 0x10000;

export interface ConvRunOptions {
  /** Output rows [rowStart, rowEnd) (default: all). */
  readonly rowStart?: number;
  readonly rowEnd?: number;
  /** Instruction cache (default: ideal, none). */
  readonly icache?: InstructionCache | null;
  readonly maxCycles?: number;
}

export interface ConvRun {
  /** Output codes, HWC (rows outside the range are 0). */
  readonly y: Int32Array;
  readonly cycles: number;
  /** MACs of the layer part (real channels, without the padded ones). */
  readonly macs: number;
  readonly macPerCycle: number;
  /** The core's counters: instruction mix (insn.*), stalls (stall.*), MAC lanes (mac.int*). */
  readonly counts: ActionCounts;
  readonly plan: MemoryPlan;
  readonly source: string;
}

export function runConv(q: QuantConv, opts: ConvRunOptions = {}): ConvRun {
  const { ho, wo } = outSize(q);
  const rowStart = opts.rowStart ?? 0;
  const rowEnd = opts.rowEnd ?? ho;
  const plan = planMemory(q, DATA_BASE);
  const builder = generateConv({
    layer: q,
    plan,
    rowStart,
    rowEnd,
    rounding: q.rounding ?? 'nearest-even',
    yZero: q.yZero,
  });
  const source = builder.text();
  const program = builder.build({ source: 'conv.s' });
  if (program.base + program.bytes.length > DATA_BASE) {
    throw new InputError([
      { path: 'program', value: `${program.bytes.length} bytes`, expected: `at most ${DATA_BASE} bytes` },
    ]);
  }
  const mem = new FlatMemory(0, plan.end + 64);
  mem.load(program.base, program.bytes);
  for (const [addr, bytes] of layoutLayer(q, plan)) mem.load(addr, bytes);
  const core = new RiscvCore({
    hartId: 0,
    code: program,
    port: mem.port(),
    ...(opts.icache === undefined ? {} : { icache: opts.icache }),
  });
  const cycles = core.run(opts.maxCycles ?? 1e9);
  const count = ho * wo * q.cout;
  const yBytes = mem.bytes.subarray(plan.y, plan.y + (count * q.yBits) / 8);
  const y = unpackCodes(yBytes, q.yBits, count, q.ySigned);
  const macs = (rowEnd - rowStart) * wo * q.cout * q.kh * q.kw * q.cin;
  return { y, cycles, macs, macPerCycle: macs / cycles, counts: core.counts(), plan, source };
}
