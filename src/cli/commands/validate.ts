import { extname } from 'node:path';
import { readTextFile, readYamlFile } from '../../config/yaml.js';
import { parseScaleSimCfg } from '../../targets/systolic/scalesim-cfg.js';
import { loadWorkload } from '../../graph/workload.js';
import { loadGraph, workloadKind } from '../../graph/load.js';
import { analyzeGraph } from '../../graph/analyze.js';
import { parseTechTable } from '../../cost/tech-table.js';
import { parseFpgaDevices } from '../../cost/fpga.js';
import { hwConfigFromDocument } from '../../targets/load.js';
import { canonicalJson } from '../../report/json.js';
import { InputError, showValue } from '../../units/errors.js';
import { EXIT_OK, type CliIo } from '../io.js';

export type ValidatedKind = 'hw-config' | 'workload' | 'tech-table';

/** Check a file of any kind bitcycle reads; every problem is reported at once (exit 2). */
export function validateFile(file: string): { kind: ValidatedKind; detail: string } {
  const ext = extname(file).toLowerCase();
  if (ext === '.cfg') {
    const cfg = parseScaleSimCfg(readTextFile(file), file);
    return {
      kind: 'hw-config',
      detail: `SCALE-Sim config, run ${cfg.runName}, ${cfg.spec.rows}×${cfg.spec.cols} ${cfg.spec.dataflow}`,
    };
  }
  const model = workloadKind(file);
  if (model !== 'zoo-or-table') {
    const g = loadGraph(file).graph;
    const a = analyzeGraph(g);
    return { kind: 'workload', detail: `${model} model, ${g.nodes.length} nodes, ${a.totals.macs} MACs` };
  }
  if (ext === '.csv') {
    const g = loadWorkload(file);
    analyzeGraph(g);
    return { kind: 'workload', detail: `${g.nodes.length} layers` };
  }
  const raw = readYamlFile(file);
  const doc =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (doc.kind === 'fpga-devices') {
    const t = parseFpgaDevices(raw, file);
    return { kind: 'tech-table', detail: `${t.length} FPGA devices` };
  }
  if (doc.kind === 'tech-table') {
    const t = parseTechTable(raw, file);
    return { kind: 'tech-table', detail: `${t.rows.length} rows` };
  }
  if ('target' in doc) {
    const hw = hwConfigFromDocument(raw, file);
    return { kind: 'hw-config', detail: `target ${hw.target.id}, preset ${hw.name}` };
  }
  if (typeof doc.format === 'string' && doc.format.startsWith('bitcycle-workload')) {
    const g = loadWorkload(file);
    const a = analyzeGraph(g);
    return { kind: 'workload', detail: `${g.nodes.length} layers, ${a.totals.macs} MACs` };
  }
  throw new InputError([
    {
      file,
      path: '(root)',
      value: showValue(raw),
      expected:
        'a hardware config (with `target:`), a SCALE-Sim .cfg, a workload layer table (`format: bitcycle-workload/1`), a SCALE-Sim topology .csv, an ONNX model (.onnx), a TF.js model.json, a bitcycle graph (`format: bitcycle-graph/1`), or a tech table (`kind: tech-table`)',
    },
  ]);
}

export function validateCommand(file: string, json: boolean, io: CliIo): number {
  const r = validateFile(file);
  io.out(
    json
      ? canonicalJson({ file, valid: true, kind: r.kind, detail: r.detail })
      : `${file}: valid ${r.kind} (${r.detail})`,
  );
  return EXIT_OK;
}
