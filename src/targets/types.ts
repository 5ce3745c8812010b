import type { FormatAssignment } from '../config/format-flags.js';
import type { Graph, Node, Shape } from '../graph/ir.js';

export type Fidelity = 'cycle-accurate' | 'calibrated';

/** Per component, per action: `pe.mac`, `sram.ifmap.read`, `dram.read.bytes` … (see DESIGN.md). */
export type ActionCounts = Record<string, number>;

/** Why a target cannot map a node; every refused node is reported, never skipped. */
export type Support = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The result of simulating one layer (one schedule unit) on a target. Plain data. */
export interface LayerResult {
  readonly name: string;
  readonly op: string;
  readonly cycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  /** Useful MACs / (cycles × MAC units). */
  readonly utilization: number;
  readonly counts: ActionCounts;
  /** Target-specific extra per-layer figures (mapping efficiency, folds, bandwidths …). */
  readonly extra: Readonly<Record<string, number | string>>;
}

/**
 * What the hardware is made of, for cost/ to price (area, leakage, and the energy of the actions the
 * components emit). Targets describe; they never price.
 */
export type InventoryItem =
  | {
      readonly kind: 'mac-array';
      readonly id: string;
      readonly macs: number;
      readonly weights: string;
      readonly activations: string;
      readonly accumulator: string;
    }
  | {
      readonly kind: 'sram';
      readonly id: string;
      /** Macros of this size; a double-buffered SRAM is two macros of half the capacity. */
      readonly macros: number;
      readonly bytesPerMacro: number;
      readonly wordBits: number;
      readonly ports: number;
      /**
       * Actions priced at this SRAM, for targets whose action names are their own; each may also be
       * priced at other components (e.g. a TCDM word also crosses the interconnect block).
       */
      readonly actions?: Readonly<Record<string, SramAction>>;
    }
  | { readonly kind: 'registers'; readonly id: string; readonly count: number; readonly bits: number }
  | { readonly kind: 'vector-unit'; readonly id: string; readonly lanes: number; readonly bits: number }
  | { readonly kind: 'dram'; readonly id: string; readonly technology: string }
  | {
      /**
       * A block priced as a whole (a processor core, an engine, cluster infrastructure): `count`
       * instances, each of the area of a `blocks` tech-table row, emitting the listed actions.
       */
      readonly kind: 'block';
      readonly id: string;
      readonly count: number;
      /** Row id in hw-configs/tech/blocks.yaml giving one instance's area. */
      readonly areaRow: string;
      readonly actions: Readonly<Record<string, BlockAction>>;
    };

/**
 * What one action of a block costs: a `blocks` tech-table row (pJ per action), or one MAC of the
 * given formats (the cost model's MAC, e.g. one lane of a SIMD dot product).
 */
export type BlockAction =
  | { readonly row: string }
  | {
      readonly mac: { readonly weights: string; readonly activations: string; readonly accumulator: string };
    };

/** An SRAM action: `bits` read or written per action (priced as that share of a 64-bit access). */
export interface SramAction {
  readonly access: 'read' | 'write';
  readonly bits: number;
}

/** How to run: the production event engine, or the reference stepper (small cases; self-checking). */
export type EngineChoice = 'event' | 'reference';

export interface CompileOptions {
  readonly engine: EngineChoice;
}

/** A node with its resolved shapes, as handed to a target's compiler. */
export interface ShapedNode {
  readonly node: Node;
  readonly inputShapes: readonly Shape[];
  readonly outputShapes: readonly Shape[];
  readonly macs: number;
}

/**
 * One target id. Listed once in ./registry.ts. A target never imports another target and never
 * imports cost/: it emits action counts and an inventory.
 */
export interface TargetDefinition<Spec, Job> {
  readonly id: string;
  readonly description: string;
  readonly fidelity: Fidelity;
  /** Raw YAML document → typed spec, or one InputError with every problem. */
  parseSpec(raw: unknown, file: string): Spec;
  /** Can this node run here? Ops it cannot map are refused with the reason. */
  supports(node: ShapedNode, spec: Spec): Support;
  /** Graph → independent jobs (plain, structured-cloneable data) in layer order. */
  compile(
    graph: Graph,
    nodes: readonly ShapedNode[],
    spec: Spec,
    formats: FormatAssignment,
    options: CompileOptions,
  ): Job[];
  /** Run one job with the production engine. Pure: same job → same result. */
  runJob(job: Job, spec: Spec): LayerResult;
  /** Clock of the spec, for latency and throughput. */
  clockHz(spec: Spec): number;
  /** MACs the hardware can complete per cycle at best (utilization's denominator). */
  peakMacsPerCycle(spec: Spec): number;
  /** Formats named by the preset (used when the command line names none). */
  presetFormats(spec: Spec): FormatAssignment | undefined;
  /** The components of this hardware for the given formats (for area and energy). */
  inventory(spec: Spec, formats: FormatAssignment): InventoryItem[];
  /** Process node, supply and DRAM kind, when the preset gives them (else no energy/area). */
  technology(spec: Spec):
    | {
        readonly nodeNm: number;
        readonly voltageV?: number;
        /** DRAM kind, for targets whose inventory has DRAM. */
        readonly dram?: string;
        /** Leakage factor of the operating point (body bias, boost); 1 when absent. */
        readonly leakageFactor?: number;
      }
    | undefined;
  /**
   * Top-level preset fields the command line may set, by flag (the value is written into the
   * document before `parseSpec`, so it is validated like the preset's own). Absent: the flags are
   * refused for this target.
   */
  readonly presetFields?: Readonly<Partial<Record<PresetFlag, string>>>;
  /** The chosen operating point, for targets that have several (absent: "nominal" at clockHz). */
  operatingPoint?(spec: Spec): { readonly name: string; readonly clockHz: number; readonly voltageV: number };
}

/**
 * Command-line flags that set a field of the preset (`--op-point <name>`, `--rbe on|off`,
 * `--device-engine gpu|dla`: the unit of a device with several, e.g. the Jetson GPU or its DLA).
 */
export const PRESET_FLAGS = ['op-point', 'rbe', 'device-engine'] as const;
export type PresetFlag = (typeof PRESET_FLAGS)[number];

/** A registered target with its types erased, for the registry and the CLI. */
export type AnyTarget = TargetDefinition<unknown, unknown>;
