/**
 * Convolutional networks of the zoo. Every layer of the inference graph is listed (convs,
 * batchnorm, activations, pooling, shortcut adds, concats, LRN, flatten, FC, softmax); dropout is
 * the identity at inference and is left out. Classifiers end in a softmax `prob`.
 */
import type { WorkloadDoc } from '../../src/graph/workload.js';
import { DEFAULT_QUANT, WORKLOAD_FORMAT } from '../../src/graph/workload.js';
import { Net } from './builder.js';

function imageNet(
  id: string,
  description: string,
  source: string,
  size: number,
  net: Net,
  output: string,
): WorkloadDoc {
  return {
    format: WORKLOAD_FORMAT,
    id,
    description,
    source,
    quant: DEFAULT_QUANT,
    inputs: [{ name: 'image', shape: [1, 3, size, size] }],
    layers: net.layers,
    outputs: [output],
  };
}

// ---- AlexNet -----------------------------------------------------------------------------------

/** Caffe's LRN in AlexNet / GoogLeNet: local_size 5, alpha 1e-4, beta 0.75, k 1. */
const CAFFE_LRN = [5, 1e-4, 0.75, 1] as const;

export function alexnet(): WorkloadDoc {
  const n = new Net();
  let x = n.conv('conv1', 'image', 96, 11, { stride: 4, bias: true });
  x = n.relu('relu1', x);
  x = n.lrn('norm1', x, ...CAFFE_LRN);
  x = n.maxpool('pool1', x, 3, { stride: 2, ceilMode: true });
  x = n.conv('conv2', x, 256, 5, { pad: 2, groups: 2, bias: true });
  x = n.relu('relu2', x);
  x = n.lrn('norm2', x, ...CAFFE_LRN);
  x = n.maxpool('pool2', x, 3, { stride: 2, ceilMode: true });
  x = n.conv('conv3', x, 384, 3, { pad: 1, bias: true });
  x = n.relu('relu3', x);
  x = n.conv('conv4', x, 384, 3, { pad: 1, groups: 2, bias: true });
  x = n.relu('relu4', x);
  x = n.conv('conv5', x, 256, 3, { pad: 1, groups: 2, bias: true });
  x = n.relu('relu5', x);
  x = n.maxpool('pool5', x, 3, { stride: 2, ceilMode: true });
  x = n.flatten('flatten', x);
  x = n.dense('fc6', x, 4096);
  x = n.relu('relu6', x);
  x = n.dense('fc7', x, 4096);
  x = n.relu('relu7', x);
  x = n.dense('fc8', x, 1000);
  return imageNet(
    'alexnet',
    'AlexNet, 227×227, original two-tower version: conv2/conv4/conv5 in 2 groups, LRN after relu1 and relu2 (dropout omitted)',
    'Krizhevsky, Sutskever, Hinton, NIPS 2012, Fig. 2; layer parameters of the Caffe BVLC model bvlc_alexnet (deploy.prototxt)',
    227,
    n,
    n.softmax('prob', x),
  );
}

// ---- VGG ---------------------------------------------------------------------------------------

function vgg(id: string, depth: 16 | 19): WorkloadDoc {
  const perStage = depth === 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];
  const widths = [64, 128, 256, 512, 512];
  const n = new Net();
  let x = 'image';
  perStage.forEach((count, s) => {
    for (let i = 1; i <= count; i++) {
      x = n.conv(`conv${s + 1}_${i}`, x, widths[s]!, 3, { pad: 1, bias: true });
      x = n.relu(`relu${s + 1}_${i}`, x);
    }
    x = n.maxpool(`pool${s + 1}`, x, 2, { stride: 2 });
  });
  x = n.flatten('flatten', x);
  x = n.dense('fc6', x, 4096);
  x = n.relu('relu6', x);
  x = n.dense('fc7', x, 4096);
  x = n.relu('relu7', x);
  x = n.dense('fc8', x, 1000);
  const config = depth === 16 ? 'D' : 'E';
  return imageNet(
    id,
    `VGG-${depth} (configuration ${config}), 224×224 (dropout omitted; torchvision's adaptive 7×7 average pool is the identity at 224 and is omitted)`,
    `Simonyan & Zisserman, ICLR 2015, Table 1 column ${config}; torchvision vgg${depth}`,
    224,
    n,
    n.softmax('prob', x),
  );
}

export const vgg16 = (): WorkloadDoc => vgg('vgg16', 16);
export const vgg19 = (): WorkloadDoc => vgg('vgg19', 19);

// ---- ResNet ------------------------------------------------------------------------------------

function convBn(
  n: Net,
  name: string,
  x: string,
  outChannels: number,
  kernel: number,
  stride: number,
  pad: number,
  bnName: string,
): string {
  const c = n.conv(name, x, outChannels, kernel, { stride, pad });
  return n.bn(bnName, c);
}

function resnet(id: string, depth: number, bottleneck: boolean, counts: readonly number[]): WorkloadDoc {
  const n = new Net();
  let x = convBn(n, 'conv1', 'image', 64, 7, 2, 3, 'bn1');
  x = n.relu('relu', x);
  x = n.maxpool('maxpool', x, 3, { stride: 2, pad: 1 });
  let inC = 64;
  counts.forEach((count, stage) => {
    const width = 64 << stage;
    const outC = bottleneck ? width * 4 : width;
    for (let b = 0; b < count; b++) {
      const p = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      let y: string;
      if (bottleneck) {
        y = convBn(n, `${p}.conv1`, x, width, 1, 1, 0, `${p}.bn1`);
        y = n.relu(`${p}.relu1`, y);
        y = convBn(n, `${p}.conv2`, y, width, 3, stride, 1, `${p}.bn2`);
        y = n.relu(`${p}.relu2`, y);
        y = convBn(n, `${p}.conv3`, y, outC, 1, 1, 0, `${p}.bn3`);
      } else {
        y = convBn(n, `${p}.conv1`, x, width, 3, stride, 1, `${p}.bn1`);
        y = n.relu(`${p}.relu1`, y);
        y = convBn(n, `${p}.conv2`, y, width, 3, 1, 1, `${p}.bn2`);
      }
      const shortcut =
        stride !== 1 || inC !== outC
          ? convBn(n, `${p}.downsample.0`, x, outC, 1, stride, 0, `${p}.downsample.1`)
          : x;
      y = n.add(`${p}.add`, y, shortcut);
      x = n.relu(bottleneck ? `${p}.relu3` : `${p}.relu2`, y);
      inC = outC;
    }
  });
  x = n.globalAvgPool('avgpool', x);
  x = n.flatten('flatten', x);
  x = n.dense('fc', x, 1000);
  return imageNet(
    id,
    `ResNet-${depth}, 224×224, ${bottleneck ? 'bottleneck' : 'basic'} blocks ${counts.join('-')}; torchvision layout (stride-2 in the 3×3 conv${bottleneck ? ' of the bottleneck, "v1.5"' : ''}, 1×1 projection shortcuts), batchnorm as separate layers`,
    `He et al., CVPR 2016, Table 1; torchvision resnet${depth}`,
    224,
    n,
    n.softmax('prob', x),
  );
}

export const resnet18 = (): WorkloadDoc => resnet('resnet18', 18, false, [2, 2, 2, 2]);
export const resnet50 = (): WorkloadDoc => resnet('resnet50', 50, true, [3, 4, 6, 3]);
export const resnet101 = (): WorkloadDoc => resnet('resnet101', 101, true, [3, 4, 23, 3]);
export const resnet152 = (): WorkloadDoc => resnet('resnet152', 152, true, [3, 8, 36, 3]);

// ---- MobileNetV2 -------------------------------------------------------------------------------

export function mobilenetv2(): WorkloadDoc {
  const n = new Net();
  let x = n.conv('features.0.conv', 'image', 32, 3, { stride: 2, pad: 1 });
  x = n.bn('features.0.bn', x);
  x = n.relu6('features.0.relu6', x);
  // Table 2 of the paper: expansion t, output channels c, repeats n, first stride s.
  const settings: readonly (readonly [number, number, number, number])[] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let inC = 32;
  let index = 1;
  for (const [t, c, repeats, s] of settings) {
    for (let i = 0; i < repeats; i++) {
      const p = `features.${index++}`;
      const stride = i === 0 ? s : 1;
      const hidden = inC * t;
      let y = x;
      if (t !== 1) {
        y = n.conv(`${p}.expand`, y, hidden, 1);
        y = n.bn(`${p}.expand_bn`, y);
        y = n.relu6(`${p}.expand_relu6`, y);
      }
      y = n.conv(`${p}.dw`, y, hidden, 3, { stride, pad: 1, groups: hidden });
      y = n.bn(`${p}.dw_bn`, y);
      y = n.relu6(`${p}.dw_relu6`, y);
      y = n.conv(`${p}.project`, y, c, 1);
      y = n.bn(`${p}.project_bn`, y);
      x = stride === 1 && inC === c ? n.add(`${p}.add`, y, x) : y;
      inC = c;
    }
  }
  x = n.conv(`features.${index}.conv`, x, 1280, 1);
  x = n.bn(`features.${index}.bn`, x);
  x = n.relu6(`features.${index}.relu6`, x);
  x = n.globalAvgPool('avgpool', x);
  x = n.flatten('flatten', x);
  x = n.dense('classifier', x, 1000);
  return imageNet(
    'mobilenetv2',
    'MobileNetV2 1.0, 224×224: inverted residuals with depthwise 3×3 convs (groups = channels), relu6, linear bottlenecks (dropout omitted)',
    'Sandler et al., CVPR 2018, Table 2; torchvision mobilenet_v2',
    224,
    n,
    n.softmax('prob', x),
  );
}

// ---- SqueezeNet --------------------------------------------------------------------------------

function fire(n: Net, name: string, x: string, squeeze: number, expand1: number, expand3: number): string {
  const s = n.relu(`${name}/relu_squeeze1x1`, n.conv(`${name}/squeeze1x1`, x, squeeze, 1, { bias: true }));
  const e1 = n.relu(`${name}/relu_expand1x1`, n.conv(`${name}/expand1x1`, s, expand1, 1, { bias: true }));
  const e3 = n.relu(
    `${name}/relu_expand3x3`,
    n.conv(`${name}/expand3x3`, s, expand3, 3, { pad: 1, bias: true }),
  );
  return n.concat(`${name}/concat`, [e1, e3], 1);
}

function squeezeHead(n: Net, x: string): string {
  let y = n.conv('conv10', x, 1000, 1, { bias: true });
  y = n.relu('relu_conv10', y);
  y = n.globalAvgPool('pool10', y);
  y = n.flatten('flatten', y);
  return n.softmax('prob', y);
}

export function squeezenet10(): WorkloadDoc {
  const n = new Net();
  const pool = (name: string, x: string): string => n.maxpool(name, x, 3, { stride: 2, ceilMode: true });
  let x = n.relu('relu_conv1', n.conv('conv1', 'image', 96, 7, { stride: 2, bias: true }));
  x = pool('pool1', x);
  x = fire(n, 'fire2', x, 16, 64, 64);
  x = fire(n, 'fire3', x, 16, 64, 64);
  x = fire(n, 'fire4', x, 32, 128, 128);
  x = pool('pool4', x);
  x = fire(n, 'fire5', x, 32, 128, 128);
  x = fire(n, 'fire6', x, 48, 192, 192);
  x = fire(n, 'fire7', x, 48, 192, 192);
  x = fire(n, 'fire8', x, 64, 256, 256);
  x = pool('pool8', x);
  x = fire(n, 'fire9', x, 64, 256, 256);
  const out = squeezeHead(n, x);
  return imageNet(
    'squeezenet1_0',
    'SqueezeNet 1.0, 227×227 (Caffe input size): 7×7/2 conv1, fire modules (squeeze 1×1, expand 1×1 + 3×3, concat), ceil-mode max pools, conv10 + global average pool (dropout omitted)',
    'Iandola et al., arXiv:1602.07360 (2016), Table 1; Caffe SqueezeNet_v1.0 deploy.prototxt (DeepScale/SqueezeNet); same layers as torchvision squeezenet1_0',
    227,
    n,
    out,
  );
}

export function squeezenet11(): WorkloadDoc {
  const n = new Net();
  const pool = (name: string, x: string): string => n.maxpool(name, x, 3, { stride: 2, ceilMode: true });
  let x = n.relu('relu_conv1', n.conv('conv1', 'image', 64, 3, { stride: 2, bias: true }));
  x = pool('pool1', x);
  x = fire(n, 'fire2', x, 16, 64, 64);
  x = fire(n, 'fire3', x, 16, 64, 64);
  x = pool('pool3', x);
  x = fire(n, 'fire4', x, 32, 128, 128);
  x = fire(n, 'fire5', x, 32, 128, 128);
  x = pool('pool5', x);
  x = fire(n, 'fire6', x, 48, 192, 192);
  x = fire(n, 'fire7', x, 48, 192, 192);
  x = fire(n, 'fire8', x, 64, 256, 256);
  x = fire(n, 'fire9', x, 64, 256, 256);
  const out = squeezeHead(n, x);
  return imageNet(
    'squeezenet1_1',
    'SqueezeNet 1.1, 224×224 (torchvision input size): 3×3/2 conv1 with 64 filters and earlier pooling than 1.0 (dropout omitted)',
    'DeepScale/SqueezeNet repository, SqueezeNet_v1.1 deploy.prototxt; torchvision squeezenet1_1',
    224,
    n,
    out,
  );
}

// ---- GoogLeNet ---------------------------------------------------------------------------------

function inception(
  n: Net,
  name: string,
  x: string,
  c1: number,
  r3: number,
  c3: number,
  r5: number,
  c5: number,
  pp: number,
): string {
  const conv = (suffix: string, input: string, c: number, k: number, relu: string): string =>
    n.relu(
      `${name}/relu_${relu}`,
      n.conv(`${name}/${suffix}`, input, c, k, { pad: (k - 1) / 2, bias: true }),
    );
  const b1 = conv('1x1', x, c1, 1, '1x1');
  const b3 = conv('3x3', conv('3x3_reduce', x, r3, 1, '3x3_reduce'), c3, 3, '3x3');
  const b5 = conv('5x5', conv('5x5_reduce', x, r5, 1, '5x5_reduce'), c5, 5, '5x5');
  const pool = n.maxpool(`${name}/pool`, x, 3, { stride: 1, pad: 1, ceilMode: true });
  const bp = conv('pool_proj', pool, pp, 1, 'pool_proj');
  return n.concat(`${name}/output`, [b1, b3, b5, bp], 1);
}

export function googlenet(): WorkloadDoc {
  const n = new Net();
  const pool = (name: string, x: string): string => n.maxpool(name, x, 3, { stride: 2, ceilMode: true });
  let x = n.relu('conv1/relu_7x7', n.conv('conv1/7x7_s2', 'image', 64, 7, { stride: 2, pad: 3, bias: true }));
  x = pool('pool1/3x3_s2', x);
  x = n.lrn('pool1/norm1', x, ...CAFFE_LRN);
  x = n.relu('conv2/relu_3x3_reduce', n.conv('conv2/3x3_reduce', x, 64, 1, { bias: true }));
  x = n.relu('conv2/relu_3x3', n.conv('conv2/3x3', x, 192, 3, { pad: 1, bias: true }));
  x = n.lrn('conv2/norm2', x, ...CAFFE_LRN);
  x = pool('pool2/3x3_s2', x);
  x = inception(n, 'inception_3a', x, 64, 96, 128, 16, 32, 32);
  x = inception(n, 'inception_3b', x, 128, 128, 192, 32, 96, 64);
  x = pool('pool3/3x3_s2', x);
  x = inception(n, 'inception_4a', x, 192, 96, 208, 16, 48, 64);
  x = inception(n, 'inception_4b', x, 160, 112, 224, 24, 64, 64);
  x = inception(n, 'inception_4c', x, 128, 128, 256, 24, 64, 64);
  x = inception(n, 'inception_4d', x, 112, 144, 288, 32, 64, 64);
  x = inception(n, 'inception_4e', x, 256, 160, 320, 32, 128, 128);
  x = pool('pool4/3x3_s2', x);
  x = inception(n, 'inception_5a', x, 256, 160, 320, 32, 128, 128);
  x = inception(n, 'inception_5b', x, 384, 192, 384, 48, 128, 128);
  x = n.avgpool('pool5/7x7_s1', x, 7, { stride: 1 });
  x = n.flatten('flatten', x);
  x = n.dense('loss3/classifier', x, 1000);
  return imageNet(
    'googlenet',
    'GoogLeNet (Inception v1), 224×224, BVLC Caffe version: LRN after pool1 and conv2, ceil-mode pools, 9 inception modules; auxiliary classifiers (training only) and dropout omitted',
    'Szegedy et al., CVPR 2015, Table 1; Caffe BVLC model bvlc_googlenet (deploy.prototxt)',
    224,
    n,
    n.softmax('prob', x),
  );
}

// ---- YOLOv2-tiny -------------------------------------------------------------------------------

export function yoloTiny(): WorkloadDoc {
  const n = new Net();
  let x = 'image';
  const filters = [16, 32, 64, 128, 256, 512];
  filters.forEach((f, i) => {
    const k = i + 1;
    x = n.relu(`conv${k}_act`, n.bn(`conv${k}_bn`, n.conv(`conv${k}`, x, f, 3, { pad: 1 })));
    x =
      i < 5
        ? n.maxpool(`pool${k}`, x, 2, { stride: 2 })
        : n.maxpool(`pool${k}`, x, 2, { stride: 1, pad: [0, 0, 1, 1] });
  });
  x = n.relu('conv7_act', n.bn('conv7_bn', n.conv('conv7', x, 1024, 3, { pad: 1 })));
  x = n.relu('conv8_act', n.bn('conv8_bn', n.conv('conv8', x, 1024, 3, { pad: 1 })));
  x = n.conv('conv9', x, 125, 1, { bias: true });
  return imageNet(
    'yolo-tiny',
    "YOLOv2-tiny (VOC, 20 classes × 5 anchors → 125 channels), 416×416 → 13×13: 9 convs with batchnorm; Darknet's leaky ReLU (slope 0.1) is modelled as relu (the IR has no leaky-relu op; same shape, no MACs); the 2×2/1 max pool pads bottom/right as Darknet; the region (decode) layer is post-processing and omitted",
    'Redmon & Farhadi, YOLO9000, CVPR 2017; Darknet cfg/yolov2-tiny-voc.cfg (6.97 BFLOPs reported by Darknet at 416×416)',
    416,
    n,
    x,
  );
}
