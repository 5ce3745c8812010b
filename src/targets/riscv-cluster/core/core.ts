/**
 * One RI5CY-class core with XpulpV2 and XpulpNN (the Marsellus cluster core, reference/pulp.md §2
 * and §3), stepped one cycle at a time.
 *
 * What is modelled:
 *  - architectural state: x0–x31, PC, two hardware-loop register sets (loop 0 is the inner one and
 *    has priority, as in RI5CY and GVSoC), the XpulpNN MAC&LOAD special registers (2 activation +
 *    4 weight SPRs, GVSoC pulp_nn.hpp), and the CSRs kernels read (mhartid, mcycle/minstret and
 *    their user aliases, mscratch, the hardware-loop CSRs 0x7B0–0x7B6 read-only);
 *  - timing from ./timing.ts: one instruction per cycle, plus stall cycles each with one cause —
 *    result latencies (load-use, mul; checked against the cycle the consumer issues), multi-cycle
 *    mulh / div / pv.qnt.n, taken-branch and jump penalties, zero-overhead hardware loops,
 *    instruction-cache refills (./icache.ts), misaligned accesses, and data-port refusals (TCDM
 *    conflicts, barrier waits) reported by the port (./memory.ts); `wfi` sleeps until `wake()`.
 *
 * Each cycle has two phases so that a cluster can arbitrate all cores' data requests in between:
 * `issue()` (decide this cycle's action; a memory instruction posts its request) and `complete()`
 * (collect the port's reply, retire or count the stall). `step()` runs both, for a core alone.
 * Every cycle is either a retire cycle or a stall cycle with exactly one cause (or idle once
 * halted), so cycles = retired instructions + Σ stalls + idle.
 *
 * Instructions are decoded once per address into micro-ops (a decode cache over the code image,
 * which can be shared by cores running the same code); code is assumed not to be modified.
 */
import type { ActionCounts, Component } from '../../../engine/component.js';
import { CycleLimitError } from '../../../engine/runner.js';
import { defaultDecoder, insnLength, type DecodedInsn, type Decoder } from '../isa/decode.js';
import { sext } from '../isa/simd.js';
import { LATENCY_CLASSES, type AluFn, type InsnDef, type LatencyClass } from '../isa/table.js';
import type { InstructionCache } from './icache.js';
import { GRANTED, STALL_CAUSES, Stall, type DataPort, type StallCauseName } from './memory.js';
import { RI5CY_TIMING, type CoreTiming } from './timing.js';

/** An instruction the core cannot execute (illegal encoding, fetch outside the code, unknown CSR …). */
export class RiscvFault extends Error {
  constructor(
    readonly pc: number,
    message: string,
  ) {
    super(`pc 0x${(pc >>> 0).toString(16).padStart(8, '0')}: ${message}`);
    this.name = 'RiscvFault';
  }
}

// Micro-op kinds
const K_ALU = 0;
const K_LOAD = 1;
const K_STORE = 2;
const K_BRANCH = 3;
const K_JAL = 4;
const K_JALR = 5;
const K_HWLOOP = 6;
const K_CSR = 7;
const K_SYS = 8;
const K_MLSDOT = 9;
const K_QNT = 10;

const HWLOOP_OPS = ['starti', 'endi', 'count', 'counti', 'setup', 'setupi'] as const;
const CSR_OPS = ['rw', 'rs', 'rc'] as const;
const SYS_OPS = ['ecall', 'ebreak', 'wfi', 'fence'] as const;
const SYS_ECALL = 0;
const SYS_EBREAK = 1;
const SYS_WFI = 2;

/** MAC counter index by operand bits. */
const MAC_BITS = [32, 16, 8, 4, 2] as const;

const CLASS_INDEX: Readonly<Record<LatencyClass, number>> = Object.fromEntries(
  LATENCY_CLASSES.map((c, i) => [c, i]),
) as Record<LatencyClass, number>;

const CLS_MULH = CLASS_INDEX.mulh;

const noAlu: AluFn = () => 0;
const noCond = (): boolean => false;
const noDot = (acc: number): number => acc;

/** A decoded instruction flattened for the execute loop (all fields monomorphic numbers/functions). */
export class MicroOp {
  readonly def: InsnDef;
  readonly kind: number;
  readonly cls: number;
  readonly size: number;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  readonly rs3: number;
  readonly imm: number;
  readonly imm2: number;
  readonly imm3: number;
  /** Registers read (0 when none: x0 never waits). */
  readonly src1: number;
  readonly src2: number;
  readonly src3: number;
  readonly fn: AluFn;
  readonly op2Imm: boolean;
  readonly cond: (a: number, b: number) => boolean;
  readonly bytes: 1 | 2 | 4;
  readonly signed: boolean;
  readonly post: boolean;
  /** Offset register of a register-offset load/store, or −1 for the immediate. */
  readonly offReg: number;
  readonly event: boolean;
  /** Sub-operation of hwloop / csr / system rows. */
  readonly sub: number;
  readonly mlDot: (acc: number, a: number, w: number) => number;
  readonly macs: number;
  readonly macIdx: number;
  /** div/rem: signed (the divisor's magnitude sets the cycle count). */
  readonly divSigned: boolean;
  /** A multi-cycle ALU operation (mulh*, div/rem). */
  readonly multiCycle: boolean;

  constructor(readonly d: DecodedInsn) {
    const def = d.def;
    const sem = def.sem;
    this.def = def;
    this.cls = CLASS_INDEX[def.latency];
    this.size = def.size;
    this.rd = d.rd;
    this.rs1 = d.rs1;
    this.rs2 = d.rs2;
    this.rs3 = d.rs3;
    this.imm = d.imm;
    this.imm2 = d.imm2;
    this.imm3 = d.imm3;
    const regs = def.format.regs;
    this.src1 = regs.rs1 !== undefined ? d.rs1 : 0;
    this.src2 = regs.rs2 !== undefined ? d.rs2 : 0;
    this.src3 = regs.rs3 !== undefined ? d.rs3 : def.readsRd ? d.rd : 0;
    this.macs = def.macs;
    this.macIdx = Math.max(0, MAC_BITS.indexOf(def.macBits as (typeof MAC_BITS)[number]));
    this.divSigned = def.latency === 'div' && (def.mnemonic === 'div' || def.mnemonic === 'rem');
    this.multiCycle = def.latency === 'div' || def.latency === 'mulh';
    let kind = K_ALU;
    let fn = noAlu;
    let op2Imm = false;
    let cond: (a: number, b: number) => boolean = noCond;
    let bytes: 1 | 2 | 4 = 4;
    let signed = false;
    let post = false;
    let offReg = -1;
    let event = false;
    let sub = 0;
    let mlDot: (acc: number, a: number, w: number) => number = noDot;
    switch (sem.kind) {
      case 'alu':
        fn = sem.fn;
        op2Imm = sem.op2 === 'imm';
        break;
      case 'load':
        kind = K_LOAD;
        bytes = sem.bytes;
        signed = sem.signed;
        post = sem.post;
        offReg = sem.offset === 'rs2' ? d.rs2 : -1;
        event = sem.event;
        break;
      case 'store':
        kind = K_STORE;
        bytes = sem.bytes;
        post = sem.post;
        offReg = sem.offset === 'rs3' ? d.rs3 : -1;
        break;
      case 'branch':
        kind = K_BRANCH;
        cond = sem.cond;
        op2Imm = sem.op2 === 'imm2';
        break;
      case 'jal':
        kind = K_JAL;
        break;
      case 'jalr':
        kind = K_JALR;
        break;
      case 'hwloop':
        kind = K_HWLOOP;
        sub = HWLOOP_OPS.indexOf(sem.op);
        break;
      case 'csr':
        kind = K_CSR;
        sub = CSR_OPS.indexOf(sem.op);
        op2Imm = sem.src === 'imm2';
        break;
      case 'system':
        kind = K_SYS;
        sub = SYS_OPS.indexOf(sem.op);
        break;
      case 'mlsdot':
        kind = K_MLSDOT;
        mlDot = sem.dot;
        break;
      case 'qnt':
        kind = K_QNT;
        bytes = 2;
        break;
    }
    this.kind = kind;
    this.fn = fn;
    this.op2Imm = op2Imm;
    this.cond = cond;
    this.bytes = bytes;
    this.signed = signed;
    this.post = post;
    this.offReg = offReg;
    this.event = event;
    this.sub = sub;
    this.mlDot = mlDot;
  }
}

/**
 * A code image and its decode cache. Micro-ops are immutable, so one image can serve every core
 * that runs the same code.
 */
export class CodeImage {
  private readonly ops: (MicroOp | null)[];

  constructor(
    readonly base: number,
    readonly bytes: Uint8Array,
    private readonly decoder: Decoder = defaultDecoder(),
  ) {
    this.ops = new Array<MicroOp | null>(Math.ceil(bytes.length / 2)).fill(null);
  }

  /** The micro-op at `pc` (decoded on first use). */
  at(pc: number): MicroOp {
    const off = pc - this.base;
    const i = off >>> 1;
    if (off >= 0 && (off & 1) === 0 && i < this.ops.length) {
      const u = this.ops[i];
      if (u !== null && u !== undefined) return u;
    }
    return this.decodeAt(pc);
  }

  private decodeAt(pc: number): MicroOp {
    const off = pc - this.base;
    if ((off & 1) !== 0) throw new RiscvFault(pc, 'instruction fetch from an odd address');
    if (off < 0 || off + 2 > this.bytes.length)
      throw new RiscvFault(pc, 'instruction fetch outside the code');
    const b = this.bytes;
    const lo = b[off]! | (b[off + 1]! << 8);
    let word = lo;
    if (insnLength(lo) === 4) {
      if (off + 4 > b.length) throw new RiscvFault(pc, 'instruction fetch outside the code');
      word = (lo | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
    }
    const d = this.decoder.decode(word);
    if (d === null) {
      const hex = (word >>> 0).toString(16).padStart(insnLength(lo) === 4 ? 8 : 4, '0');
      throw new RiscvFault(pc, `illegal instruction 0x${hex}`);
    }
    const u = new MicroOp(d);
    this.ops[off >>> 1] = u;
    return u;
  }
}

/** What a core is given. */
export interface CoreConfig {
  /** mhartid (core id in the cluster). */
  readonly hartId: number;
  /** The code it runs (an assembled program, or a shared CodeImage). */
  readonly code: { readonly base: number; readonly bytes: Uint8Array; readonly entry?: number } | CodeImage;
  /** Start address (default: the code's `entry` if it has one, else its base). */
  readonly entry?: number;
  readonly port: DataPort;
  /** Pipeline timing (default RI5CY_TIMING). */
  readonly timing?: CoreTiming;
  /** The instruction cache, or null for an ideal one (default). */
  readonly icache?: InstructionCache | null;
}

// Core states
const S_READY = 0;
const S_STALL = 1;
const S_MEM = 2;
const S_QNT = 3;
const S_SLEEP = 4;
const S_HALT = 5;

// What issue() decided for complete()
const A_IDLE = 0;
const A_STALL = 1;
const A_RETIRE = 2;
const A_MEM = 3;
const A_QNT = 4;
const A_SLEEP = 5;

// lastCycle codes besides the stall causes
const LAST_RETIRE = -1;
const LAST_IDLE = -2;

// pv.qnt.n phases
const Q_SETUP = 0;
const Q_LOAD = 1;
const Q_FINISH = 2;

const CSR_MSCRATCH = 0x340;
const CSR_MHARTID = 0xf14;

export class RiscvCore implements Component {
  readonly id: string;
  readonly hartId: number;
  readonly code: CodeImage;
  readonly entry: number;
  readonly timing: CoreTiming;
  readonly icache: InstructionCache | null;
  private readonly port: DataPort;

  /** Integer registers (x0 stays 0). */
  readonly x = new Int32Array(32);
  pc = 0;
  // Hardware loops 0 and 1: start, end (address of the body's last instruction), remaining count.
  // Plain fields: the end check runs after every instruction.
  private lpStart0 = 0;
  private lpEnd0 = 0;
  private lpCount0 = 0;
  private lpStart1 = 0;
  private lpEnd1 = 0;
  private lpCount1 = 0;
  /** XpulpNN MAC&LOAD special registers: [0..1] activations, [2..5] weights. */
  readonly nnSpr = new Int32Array(6);
  mscratch = 0;

  /** Cycles stepped and instructions retired. */
  cycle = 0;
  instret = 0;
  /** Retired instructions per latency class (LATENCY_CLASSES order). */
  readonly insnByClass = new Float64Array(LATENCY_CLASSES.length);
  /** Stall cycles per cause (STALL_CAUSES order). */
  readonly stalls = new Float64Array(STALL_CAUSES.length);
  /** MAC lanes executed, by operand width 32/16/8/4/2 bits. */
  readonly macs = new Float64Array(MAC_BITS.length);
  /** Cycles after halting. */
  idleCycles = 0;
  dataReads = 0;
  dataWrites = 0;
  /** Called after each retired instruction (tracing); null costs one branch. */
  onRetire: ((core: RiscvCore, pc: number, op: MicroOp) => void) | null = null;

  private state = S_READY;
  private act = A_IDLE;
  /** What the last cycle counted as (LAST_RETIRE, LAST_IDLE or a stall cause index). */
  private last = LAST_IDLE;
  private stallLeft = 0;
  private stallCause = 0;
  private wakePending = false;
  private cycleBase = 0;
  private instretBase = 0;
  /** The instruction in flight (memory wait, qnt) and its retire effects. */
  private cur: MicroOp | null = null;
  private nextPc = 0;
  private fallThrough = true;
  private postLeft = 0;
  private postCause = 0;
  // pending data access
  private memAddr = 0;
  private memWrite = false;
  private memData = 0;
  private memOff = 0;
  // pv.qnt.n progress
  private qPhase = 0;
  private qLeft = 0;
  private qLoads = 0;
  private qOut = 0;
  private qInput = 0;
  /** Cycle from which each register's newest value can be used, and the stall cause if not yet. */
  private readonly regReady = new Float64Array(32);
  private readonly regCause = new Int32Array(32);
  private readonly sprReady = new Float64Array(6);
  /** Result latency per latency class. */
  private readonly resultLatency: Float64Array;
  private readonly resultCause: Int32Array;

  constructor(config: CoreConfig) {
    this.hartId = config.hartId;
    this.id = `core${config.hartId}`;
    this.code =
      config.code instanceof CodeImage ? config.code : new CodeImage(config.code.base, config.code.bytes);
    const entryOf = config.code instanceof CodeImage ? undefined : config.code.entry;
    this.entry = config.entry ?? entryOf ?? this.code.base;
    this.port = config.port;
    this.timing = config.timing ?? RI5CY_TIMING;
    this.icache = config.icache ?? null;
    this.resultLatency = new Float64Array(LATENCY_CLASSES.length).fill(1);
    this.resultCause = new Int32Array(LATENCY_CLASSES.length).fill(Stall.loadUse);
    this.resultLatency[CLASS_INDEX.load] = this.timing.loadResultLatencyCycles;
    this.resultLatency[CLASS_INDEX.mul] = this.timing.mulResultLatencyCycles;
    this.resultCause[CLASS_INDEX.mul] = Stall.mulLatency;
    this.pc = this.entry;
  }

  reset(): void {
    this.x.fill(0);
    this.pc = this.entry;
    this.lpStart0 = this.lpEnd0 = this.lpCount0 = 0;
    this.lpStart1 = this.lpEnd1 = this.lpCount1 = 0;
    this.nnSpr.fill(0);
    this.mscratch = 0;
    this.cycle = 0;
    this.instret = 0;
    this.insnByClass.fill(0);
    this.stalls.fill(0);
    this.macs.fill(0);
    this.idleCycles = 0;
    this.dataReads = 0;
    this.dataWrites = 0;
    this.state = S_READY;
    this.act = A_IDLE;
    this.stallLeft = 0;
    this.wakePending = false;
    this.cycleBase = 0;
    this.instretBase = 0;
    this.cur = null;
    this.regReady.fill(0);
    this.sprReady.fill(0);
    this.icache?.invalidate();
  }

  /** Whether the core has executed ecall/ebreak. */
  get halted(): boolean {
    return this.state === S_HALT;
  }

  /** Whether the core sleeps in wfi. */
  get sleeping(): boolean {
    return this.state === S_SLEEP;
  }

  /** Wake a core sleeping in wfi (or make its next wfi fall through). */
  wake(): void {
    this.wakePending = true;
  }

  /** Total stall cycles. */
  get stallCycles(): number {
    let s = 0;
    for (const v of this.stalls) s += v;
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // The cycle

  step(): void {
    this.issue();
    this.complete();
  }

  /** Phase 1 of a cycle: decide what happens; a memory access is posted to the port. */
  issue(): void {
    switch (this.state) {
      case S_READY:
        this.issueNext();
        return;
      case S_STALL:
        this.act = A_STALL;
        return;
      case S_MEM:
        this.port.request(this.memAddr >>> 0, this.cur!.bytes, this.memWrite, this.memData, this.cur!.event);
        this.act = A_MEM;
        return;
      case S_QNT:
        this.qntIssue();
        return;
      case S_SLEEP:
        this.act = A_SLEEP;
        return;
      default:
        this.act = A_IDLE;
    }
  }

  /** Phase 2 of a cycle: take the port's reply, retire or count the stall. */
  complete(): void {
    switch (this.act) {
      case A_RETIRE:
        this.retire();
        break;
      case A_STALL:
        this.countStall(this.stallCause);
        if (--this.stallLeft <= 0) this.state = S_READY;
        break;
      case A_MEM: {
        const r = this.port.reply();
        if (r === GRANTED) {
          this.finishMem();
          this.retire();
        } else this.countStall(r);
        break;
      }
      case A_QNT:
        this.qntComplete();
        break;
      case A_SLEEP:
        this.countStall(Stall.wfi);
        if (this.wakePending) {
          this.wakePending = false;
          this.state = S_READY;
        }
        break;
      default:
        this.idleCycles++;
        this.last = LAST_IDLE;
    }
    this.cycle++;
  }

  private countStall(cause: number): void {
    this.stalls[cause]!++;
    this.last = cause;
  }

  /** What the last cycle was: 'retire', 'idle' (halted), or the stall cause it was counted under. */
  get lastCycle(): 'retire' | 'idle' | StallCauseName {
    if (this.last === LAST_RETIRE) return 'retire';
    if (this.last === LAST_IDLE) return 'idle';
    return STALL_CAUSES[this.last] ?? 'multiCycle';
  }

  /** Cycles until the core next does something that can interact (Infinity when halted or asleep). */
  nextActivity(): number {
    if (this.state === S_STALL) return this.stallLeft;
    if (this.state === S_HALT) return Infinity;
    if (this.state === S_SLEEP) return this.wakePending ? 0 : Infinity;
    return 0;
  }

  /** Advance n cycles at once (n ≤ nextActivity()); counters caught up arithmetically. */
  advance(n: number): void {
    if (n <= 0) return;
    if (this.state === S_STALL && n <= this.stallLeft) {
      this.stalls[this.stallCause]! += n;
      this.last = this.stallCause;
      this.stallLeft -= n;
      if (this.stallLeft === 0) this.state = S_READY;
    } else if (this.state === S_HALT) {
      this.idleCycles += n;
      this.last = LAST_IDLE;
    } else if (this.state === S_SLEEP && !this.wakePending) {
      this.stalls[Stall.wfi]! += n;
      this.last = Stall.wfi;
    } else throw new Error(`${this.id}: advance(${n}) beyond nextActivity() = ${this.nextActivity()}`);
    this.cycle += n;
  }

  /**
   * Step a core on its own until it halts; throws CycleLimitError past maxCycles (also when it
   * sleeps in wfi, since nothing can wake it). Returns the cycles run.
   */
  run(maxCycles = 1e9): number {
    const start = this.cycle;
    const limit = start + maxCycles;
    while (this.state !== S_HALT) {
      if (this.cycle >= limit) throw new CycleLimitError(maxCycles);
      if (this.state === S_STALL) {
        this.advance(this.stallLeft);
        continue;
      }
      if (this.state === S_SLEEP && !this.wakePending) {
        // nothing outside can wake a core run on its own: sleep to the limit
        this.advance(limit - this.cycle);
        continue;
      }
      this.issue();
      this.complete();
    }
    return this.cycle - start;
  }

  // -------------------------------------------------------------------------------------------
  // Issue

  private beginStall(n: number, cause: number): void {
    this.state = S_STALL;
    this.stallLeft = n;
    this.stallCause = cause;
    this.act = A_STALL;
  }

  private issueNext(): void {
    const pc = this.pc;
    const u = this.code.at(pc);
    if (this.icache !== null) {
      const extra = this.icache.fetch(pc, u.size);
      if (extra > 0) {
        this.beginStall(extra, Stall.icache);
        return;
      }
    }
    // operands not ready yet (load-use, mul result); the common case is one comparison each
    const rr = this.regReady;
    const now = this.cycle;
    if (rr[u.src1]! > now || rr[u.src2]! > now || rr[u.src3]! > now || u.kind === K_MLSDOT) {
      if (this.operandStall(u, now)) return;
    }
    this.cur = u;
    this.nextPc = (pc + u.size) >>> 0;
    this.fallThrough = true;
    this.postLeft = 0;
    const x = this.x;
    switch (u.kind) {
      case K_LOAD:
      case K_STORE: {
        const off = u.offReg >= 0 ? x[u.offReg]! : u.imm;
        const base = x[u.rs1]!;
        this.memOff = off;
        this.memAddr = u.post ? base : (base + off) | 0;
        this.memWrite = u.kind === K_STORE;
        this.memData = this.memWrite ? x[u.rs2]! : 0;
        if ((this.memAddr & 3) + u.bytes > 4) {
          this.postLeft = this.timing.misalignedAccessExtraCycles;
          this.postCause = Stall.misaligned;
        }
        this.state = S_MEM;
        this.port.request(this.memAddr >>> 0, u.bytes, this.memWrite, this.memData, u.event);
        this.act = A_MEM;
        return;
      }
      case K_MLSDOT:
        if ((u.imm & 0x18) !== 0) {
          this.memAddr = x[u.rs1]!;
          this.memWrite = false;
          this.memData = 0;
          this.memOff = 4;
          this.state = S_MEM;
          this.port.request(this.memAddr >>> 0, 4, false, 0, false);
          this.act = A_MEM;
          return;
        }
        this.x[u.rd] = u.rd === 0 ? 0 : this.mlDot(u);
        this.act = A_RETIRE;
        return;
      case K_QNT:
        this.state = S_QNT;
        this.qInput = x[u.rs1]!;
        this.memAddr = x[u.rs2]!;
        this.qOut = 0;
        this.qLoads = 0;
        this.qPhase = Q_SETUP;
        this.qLeft = this.timing.qntSetupCycles;
        this.qntIssue();
        return;
      default:
        this.execute(u, pc);
        this.act = A_RETIRE;
    }
  }

  /** Stall for operands that are not ready yet; true when a stall began. */
  private operandStall(u: MicroOp, now: number): boolean {
    const rr = this.regReady;
    let ready = rr[u.src1]!;
    let cause = this.regCause[u.src1]!;
    if (rr[u.src2]! > ready) {
      ready = rr[u.src2]!;
      cause = this.regCause[u.src2]!;
    }
    if (rr[u.src3]! > ready) {
      ready = rr[u.src3]!;
      cause = this.regCause[u.src3]!;
    }
    if (u.kind === K_MLSDOT) {
      const a = u.imm & 1;
      const w = 2 + ((u.imm >>> 1) & 3);
      const sr = Math.max(this.sprReady[a]!, this.sprReady[w]!);
      if (sr > ready) {
        ready = sr;
        cause = Stall.loadUse;
      }
    }
    if (ready <= now) return false;
    this.beginStall(ready - now, cause);
    return true;
  }

  private mlDot(u: MicroOp): number {
    const a = u.imm & 1;
    const w = 2 + ((u.imm >>> 1) & 3);
    return u.mlDot(this.x[u.rd]!, this.nnSpr[a]!, this.nnSpr[w]!);
  }

  /** Execute a non-memory instruction (its effects land in this cycle). */
  private execute(u: MicroOp, pc: number): void {
    const x = this.x;
    const t = this.timing;
    switch (u.kind) {
      case K_ALU: {
        const a = x[u.rs1]!;
        const b = u.op2Imm ? u.imm : x[u.rs2]!;
        const v = u.fn(a, b, x[u.rd]!, u.imm2, pc);
        if (u.rd !== 0) x[u.rd] = v;
        if (!u.multiCycle) return;
        if (u.cls === CLS_MULH) {
          this.postLeft = t.mulhCycles - 1;
          this.postCause = Stall.mulLatency;
        } else {
          const mag = u.divSigned ? Math.abs(b) : b >>> 0;
          this.postLeft = t.divMinCycles + Math.clz32(mag) * t.divCyclesPerLeadingZero - 1;
          this.postCause = Stall.div;
        }
        return;
      }
      case K_BRANCH: {
        const b = u.op2Imm ? u.imm2 : x[u.rs2]!;
        if (u.cond(x[u.rs1]!, b)) {
          this.nextPc = (pc + u.imm) >>> 0;
          this.fallThrough = false;
          this.postLeft = t.takenBranchPenaltyCycles;
          this.postCause = Stall.branch;
        }
        return;
      }
      case K_JAL:
        if (u.rd !== 0) x[u.rd] = (pc + u.size) | 0;
        this.nextPc = (pc + u.imm) >>> 0;
        this.fallThrough = false;
        this.postLeft = t.jumpPenaltyCycles;
        this.postCause = Stall.jump;
        return;
      case K_JALR: {
        const target = ((x[u.rs1]! + u.imm) & ~1) >>> 0;
        if (u.rd !== 0) x[u.rd] = (pc + u.size) | 0;
        this.nextPc = target;
        this.fallThrough = false;
        this.postLeft = t.jumpPenaltyCycles;
        this.postCause = Stall.jump;
        return;
      }
      case K_HWLOOP:
        this.hwloop(u, pc);
        return;
      case K_CSR:
        this.csr(u, pc);
        return;
      case K_SYS:
        if (u.sub === SYS_ECALL || u.sub === SYS_EBREAK) this.postLeft = -1;
        else if (u.sub === SYS_WFI) this.postLeft = -2;
        return;
    }
  }

  /** Hardware loop `i` (0 inner, 1 outer): start, end (last instruction of the body), remaining count. */
  loop(i: 0 | 1): { readonly start: number; readonly end: number; readonly count: number } {
    return i === 0
      ? { start: this.lpStart0, end: this.lpEnd0, count: this.lpCount0 }
      : { start: this.lpStart1, end: this.lpEnd1, count: this.lpCount1 };
  }

  private setLoop(l: number, start: number | null, end: number | null, count: number | null): void {
    if (l === 0) {
      if (start !== null) this.lpStart0 = start >>> 0;
      if (end !== null) this.lpEnd0 = end >>> 0;
      if (count !== null) this.lpCount0 = count >>> 0;
    } else {
      if (start !== null) this.lpStart1 = start >>> 0;
      if (end !== null) this.lpEnd1 = end >>> 0;
      if (count !== null) this.lpCount1 = count >>> 0;
    }
  }

  private hwloop(u: MicroOp, pc: number): void {
    const l = u.imm3;
    const x = this.x;
    switch (HWLOOP_OPS[u.sub]) {
      case 'starti':
        this.setLoop(l, pc + u.imm, null, null);
        break;
      case 'endi':
        this.setLoop(l, null, pc + u.imm, null);
        break;
      case 'count':
        this.setLoop(l, null, null, x[u.rs1]!);
        break;
      case 'counti':
        this.setLoop(l, null, null, u.imm);
        break;
      case 'setup':
        this.setLoop(l, pc + u.size, pc + u.imm, x[u.rs1]!);
        break;
      case 'setupi':
        this.setLoop(l, pc + u.size, pc + u.imm2, u.imm);
        break;
      default:
        throw new RiscvFault(pc, 'unknown hardware-loop operation');
    }
  }

  private csrRead(n: number, pc: number): number {
    switch (n) {
      case CSR_MHARTID:
        return this.hartId;
      case CSR_MSCRATCH:
        return this.mscratch;
      case 0xb00:
      case 0xc00:
        return (this.cycle - this.cycleBase) | 0;
      case 0xb80:
      case 0xc80:
        return Math.floor((this.cycle - this.cycleBase) / 2 ** 32) | 0;
      case 0xb02:
      case 0xc02:
        return (this.instret - this.instretBase) | 0;
      case 0xb82:
      case 0xc82:
        return Math.floor((this.instret - this.instretBase) / 2 ** 32) | 0;
      case 0x7b0:
        return this.lpStart0 | 0;
      case 0x7b1:
        return this.lpEnd0 | 0;
      case 0x7b2:
        return this.lpCount0 | 0;
      case 0x7b4:
        return this.lpStart1 | 0;
      case 0x7b5:
        return this.lpEnd1 | 0;
      case 0x7b6:
        return this.lpCount1 | 0;
      default:
        throw new RiscvFault(pc, `unknown CSR 0x${n.toString(16)}`);
    }
  }

  private csrWrite(n: number, v: number, pc: number): void {
    switch (n) {
      case CSR_MSCRATCH:
        this.mscratch = v;
        return;
      case 0xb00:
        this.cycleBase = this.cycle - (v >>> 0);
        return;
      case 0xb02:
        this.instretBase = this.instret - (v >>> 0);
        return;
      default:
        throw new RiscvFault(pc, `CSR 0x${n.toString(16)} is read-only here`);
    }
  }

  private csr(u: MicroOp, pc: number): void {
    const x = this.x;
    const old = this.csrRead(u.imm, pc);
    const src = u.op2Imm ? u.imm2 : x[u.rs1]!;
    const writes = CSR_OPS[u.sub] === 'rw' || (u.op2Imm ? u.imm2 !== 0 : u.rs1 !== 0);
    if (writes) {
      const op = CSR_OPS[u.sub];
      this.csrWrite(u.imm, op === 'rw' ? src : op === 'rs' ? old | src : old & ~src, pc);
    }
    if (u.rd !== 0) x[u.rd] = old;
    const extra = this.timing.csrAccessCycles - 1;
    if (extra > 0) {
      this.postLeft = extra;
      this.postCause = Stall.multiCycle;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Complete

  /** The granted access of the instruction in flight: data, post-increment, SPR load. */
  private finishMem(): void {
    const u = this.cur!;
    const x = this.x;
    if (u.kind === K_MLSDOT) {
      const v = this.mlDot(u);
      const imm = u.imm;
      const spr = (imm & 0x08) !== 0 ? imm & 1 : 2 + ((imm >>> 1) & 3);
      this.nnSpr[spr] = this.port.rdata | 0;
      this.sprReady[spr] = this.cycle + this.timing.nnSprLoadResultLatencyCycles;
      if (u.rd !== 0) x[u.rd] = v;
      if (u.rs1 !== 0) x[u.rs1] = (x[u.rs1]! + 4) | 0;
      this.dataReads++;
      return;
    }
    if (u.post && u.rs1 !== 0) x[u.rs1] = (x[u.rs1]! + this.memOff) | 0;
    if (this.memWrite) {
      this.dataWrites++;
      return;
    }
    this.dataReads++;
    const raw = this.port.rdata;
    let v: number;
    if (u.bytes === 4) v = raw | 0;
    else if (u.signed) v = sext(raw, u.bytes * 8);
    else v = raw & (u.bytes === 2 ? 0xffff : 0xff);
    if (u.rd !== 0) x[u.rd] = v;
  }

  /** Retire the current instruction: counters, result readiness, next PC, post penalties. */
  private retire(): void {
    const u = this.cur!;
    const pc = this.pc;
    this.instret++;
    this.last = LAST_RETIRE;
    this.insnByClass[u.cls]!++;
    if (u.macs !== 0) this.macs[u.macIdx]! += u.macs;
    if (u.rd !== 0) {
      this.regReady[u.rd] = this.cycle + this.resultLatency[u.cls]!;
      this.regCause[u.rd] = this.resultCause[u.cls]!;
    }
    let next = this.nextPc;
    if (this.fallThrough) {
      // hardware loops: loop 0 first (GVSoC hwloop_check_exec); zero overhead
      let loop1 = true;
      if (this.lpCount0 !== 0 && this.lpEnd0 === pc) {
        if (--this.lpCount0 !== 0) {
          next = this.lpStart0;
          loop1 = false;
        }
      }
      if (loop1 && this.lpCount1 !== 0 && this.lpEnd1 === pc) {
        if (--this.lpCount1 !== 0) next = this.lpStart1;
      }
      if (next !== this.nextPc && this.timing.hwLoopJumpBackPenaltyCycles > 0) {
        this.postLeft = this.timing.hwLoopJumpBackPenaltyCycles;
        this.postCause = Stall.branch;
      }
    }
    this.pc = next;
    const post = this.postLeft;
    if (this.onRetire !== null) this.onRetire(this, pc, u);
    if (post > 0) {
      this.state = S_STALL;
      this.stallLeft = post;
      this.stallCause = this.postCause;
    } else if (post === -1) this.state = S_HALT;
    else if (post === -2) {
      if (this.wakePending) {
        this.wakePending = false;
        this.state = S_READY;
      } else this.state = S_SLEEP;
    } else this.state = S_READY;
  }

  // -------------------------------------------------------------------------------------------
  // pv.qnt.n: setup cycle(s), four 16-bit threshold loads walking a binary tree, finish cycle(s)

  private qntIssue(): void {
    if (this.qPhase === Q_LOAD) {
      this.port.request(this.memAddr >>> 0, 2, false, 0, false);
    } else if (this.qLeft <= 0) {
      // no setup/finish cycle configured: move on within this cycle
      if (this.qPhase === Q_SETUP) {
        this.qPhase = Q_LOAD;
        this.port.request(this.memAddr >>> 0, 2, false, 0, false);
      }
    }
    this.act = A_QNT;
  }

  private qntComplete(): void {
    const u = this.cur!;
    if (this.qPhase === Q_SETUP) {
      this.countStall(Stall.multiCycle);
      if (--this.qLeft <= 0) this.qPhase = Q_LOAD;
      return;
    }
    if (this.qPhase === Q_LOAD) {
      const r = this.port.reply();
      if (r !== GRANTED) {
        this.countStall(r);
        return;
      }
      this.dataReads++;
      const t = sext(this.port.rdata, 16);
      const k = this.qLoads;
      // GVSoC qnt_step: the first bit is set when input ≤ the middle threshold (a negative level),
      // the next three when input > the threshold; the pointer moves ±8, ±4, ±2 bytes.
      const bit = k === 0 ? (this.qInput <= t ? 1 : 0) : this.qInput > t ? 1 : 0;
      this.qOut = (this.qOut << 1) | bit;
      const step = 8 >>> k;
      const up = k === 0 ? bit === 0 : bit === 1;
      this.memAddr = (this.memAddr + (up ? step : -step)) | 0;
      this.qLoads = k + 1;
      if (this.qLoads < 4) {
        this.countStall(Stall.multiCycle);
        return;
      }
      this.qPhase = Q_FINISH;
      this.qLeft = this.timing.qntFinishCycles;
      if (this.qLeft > 0) {
        this.countStall(Stall.multiCycle);
        return;
      }
    } else if (--this.qLeft > 0) {
      this.countStall(Stall.multiCycle);
      return;
    }
    // the last cycle of the instruction retires it
    if (u.rd !== 0) this.x[u.rd] = sext(this.qOut & 0xf, 4);
    this.retire();
  }

  // -------------------------------------------------------------------------------------------
  // Counters

  counts(): ActionCounts {
    const c: ActionCounts = {
      cycles: this.cycle,
      'insn.total': this.instret,
      'stall.total': this.stallCycles,
      idle: this.idleCycles,
      'data.read': this.dataReads,
      'data.write': this.dataWrites,
    };
    LATENCY_CLASSES.forEach((k, i) => (c[`insn.${k}`] = this.insnByClass[i]!));
    STALL_CAUSES.forEach((k, i) => (c[`stall.${k}`] = this.stalls[i]!));
    MAC_BITS.forEach((b, i) => (c[`mac.int${b}`] = this.macs[i]!));
    if (this.icache !== null) {
      c['icache.fetch'] = this.icache.fetches;
      c['icache.refill.shared'] = this.icache.sharedRefills;
      c['icache.refill.l2'] = this.icache.l2Refills;
    }
    return c;
  }
}
