/**
 * Report files a target adds beside summary.json and layers.csv. The systolic target writes
 * SCALE-Sim's three reports (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv)
 * with SCALE-Sim's column meanings (docs/scalesim-compat.md).
 */
import type { PreparedRun } from '../sim/prepare.js';
import type { SystolicJob } from '../targets/systolic/index.js';
import type { SystolicSpec } from '../targets/systolic/spec.js';
import { renderScaleSimReports, scaleSimRows, SCALESIM_REPORT_FILES } from './scalesim.js';

export function targetReports(run: PreparedRun): [string, string][] {
  if (run.target.id !== 'systolic') return [];
  const reports = renderScaleSimReports(scaleSimRows(run.jobs as SystolicJob[], run.spec as SystolicSpec));
  return [
    [SCALESIM_REPORT_FILES.compute, reports.compute],
    [SCALESIM_REPORT_FILES.bandwidth, reports.bandwidth],
    [SCALESIM_REPORT_FILES.detailed, reports.detailed],
  ];
}
