/** Shared helpers of the riscv-cluster tests: assemble a program, run it on one core over a flat memory. */
import { assemble } from '../../../src/targets/riscv-cluster/asm/assembler.js';
import { RiscvCore } from '../../../src/targets/riscv-cluster/core/core.js';
import type { InstructionCache } from '../../../src/targets/riscv-cluster/core/icache.js';
import { FlatMemory, type DataPort } from '../../../src/targets/riscv-cluster/core/memory.js';
import type { CoreTiming } from '../../../src/targets/riscv-cluster/core/timing.js';
import type { Program } from '../../../src/targets/riscv-cluster/program.js';

/** Data memory used by the tests: 64 KiB at address 0 (the program is loaded into it too). */
export const MEM_BYTES = 1 << 16;

export interface RunOptions {
  readonly timing?: CoreTiming;
  readonly icache?: InstructionCache | null;
  readonly maxCycles?: number;
  /** Called before the run (registers, memory contents). */
  readonly setup?: (core: RiscvCore, mem: FlatMemory) => void;
  /** Wrap the flat memory's port (e.g. a StallingPort); `clock` reads the core's cycle. */
  readonly port?: (mem: FlatMemory, clock: () => number) => DataPort;
}

export interface Run {
  readonly core: RiscvCore;
  readonly mem: FlatMemory;
  readonly program: Program;
}

/** Build a core for `src` without running it. */
export function prepare(src: string, opts: RunOptions = {}): Run {
  const program = assemble(src, { source: 'test.s' });
  const mem = new FlatMemory(0, MEM_BYTES);
  mem.load(program.base, program.bytes);
  const clock = { core: null as RiscvCore | null };
  const port = opts.port === undefined ? mem.port() : opts.port(mem, () => clock.core?.cycle ?? 0);
  const core = new RiscvCore({
    hartId: 0,
    code: program,
    port,
    ...(opts.timing === undefined ? {} : { timing: opts.timing }),
    ...(opts.icache === undefined ? {} : { icache: opts.icache }),
  });
  clock.core = core;
  opts.setup?.(core, mem);
  return { core, mem, program };
}

/** Assemble `src`, run it until ecall/ebreak, and return the core and memory. */
export function run(src: string, opts: RunOptions = {}): Run {
  const r = prepare(src, opts);
  r.core.run(opts.maxCycles ?? 1_000_000);
  return r;
}

/** Register value as an unsigned 32-bit number. */
export const u32 = (v: number): number => v >>> 0;
