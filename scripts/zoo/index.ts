/** The zoo: one builder per workload id; renderZoo gives each file's canonical text. */
import { formatWorkloadJson, type WorkloadDoc } from '../../src/graph/workload.js';
import {
  alexnet,
  googlenet,
  mobilenetv2,
  resnet101,
  resnet152,
  resnet18,
  resnet50,
  squeezenet10,
  squeezenet11,
  vgg16,
  vgg19,
  yoloTiny,
} from './cnn.js';
import { bertBase, gpt2Medium, gpt2Small } from './transformer.js';

export const ZOO_BUILDERS: readonly (() => WorkloadDoc)[] = [
  alexnet,
  vgg16,
  vgg19,
  resnet18,
  resnet50,
  resnet101,
  resnet152,
  mobilenetv2,
  squeezenet10,
  squeezenet11,
  googlenet,
  yoloTiny,
  bertBase,
  gpt2Small,
  gpt2Medium,
];

/** File name (`<id>.json`) → canonical JSON text, in id order. */
export function renderZoo(): Map<string, string> {
  const docs = ZOO_BUILDERS.map((build) => build()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return new Map(docs.map((doc) => [`${doc.id}.json`, formatWorkloadJson(doc)]));
}
