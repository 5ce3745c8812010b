import { join } from 'node:path';
import { packageRoot } from '../units/paths.js';

/** What `npm start` runs: ResNet-18 quantized to int8 on the default hardware. */
export const DEFAULT_WORKLOAD = 'resnet18';
export const DEFAULT_FORMAT = 'int8';
export const DEFAULT_HW = (): string => join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml');
