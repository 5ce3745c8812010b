/**
 * Transformer networks of the zoo: BERT-base (encoder) and GPT-2 small / medium (decoder, prefill
 * and decode phases). The token embeddings are the graph input (their lookup is a gather, not an
 * accelerator op); attention runs per head as a batched matmul over [batch, heads, tokens, dHead]
 * views made with reshape + transpose.
 */
import type { InputDoc, OutputDoc, WorkloadDoc } from '../../src/graph/workload.js';
import { DEFAULT_QUANT, WORKLOAD_FORMAT } from '../../src/graph/workload.js';
import { Net } from './builder.js';

interface AttentionShape {
  readonly d: number;
  readonly heads: number;
}

/** [B, T, d] → [B, heads, T, d/heads] (reshape + transpose); returns the split (pre-transpose) tensor. */
function splitHeads(n: Net, name: string, x: string, a: AttentionShape): string {
  return n.reshape(`${name}_split`, x, [0, -1, a.heads, a.d / a.heads]);
}

const TO_HEADS = [0, 2, 1, 3] as const;

/**
 * Scaled dot-product attention over head views q [B,H,T,dh], k/v [B,H,S,dh]; returns [B, T, d].
 * `scale` is a constant tensor holding 1/√dh.
 */
function attend(n: Net, p: string, q: string, k: string, v: string, a: AttentionShape): string {
  let s = n.matmul(`${p}.scores`, q, k, true);
  s = n.mul(`${p}.scaled`, s, 'attn_scale');
  s = n.softmax(`${p}.probs`, s, -1);
  let c = n.matmul(`${p}.context`, s, v, false);
  c = n.transpose(`${p}.context_t`, c, TO_HEADS);
  return n.reshape(`${p}.context_merge`, c, [0, -1, a.d]);
}

// ---- BERT --------------------------------------------------------------------------------------

export function bertBase(): WorkloadDoc {
  const a: AttentionShape = { d: 768, heads: 12 };
  const blocks = 12;
  const n = new Net();
  let x = n.layernorm('embeddings.ln', 'embeddings', 1e-12);
  const outputs: OutputDoc[] = [];
  for (let l = 0; l < blocks; l++) {
    n.when = l === 0 ? undefined : { layers: `>= ${l + 1}` };
    const p = `layer${l}.attn`;
    const heads = (which: 'q' | 'k' | 'v'): string => {
      const proj = n.dense(`${p}.${which}`, x, a.d);
      return n.transpose(`${p}.${which}_heads`, splitHeads(n, `${p}.${which}`, proj, a), TO_HEADS);
    };
    const q = heads('q');
    const k = heads('k');
    const v = heads('v');
    const ctx = attend(n, p, q, k, v, a);
    const out = n.dense(`${p}.out`, ctx, a.d);
    const h = n.layernorm(`${p}.ln`, n.add(`${p}.residual`, out, x), 1e-12);
    const f = `layer${l}.ffn`;
    const up = n.gelu(`${f}.gelu`, n.dense(`${f}.up`, h, 4 * a.d));
    const down = n.dense(`${f}.down`, up, a.d);
    x = n.layernorm(`${f}.ln`, n.add(`${f}.residual`, down, h), 1e-12);
    outputs.push({ name: x, when: { layers: l + 1 } });
  }
  n.when = undefined;
  return {
    format: WORKLOAD_FORMAT,
    id: 'bert-base',
    description:
      'BERT-base encoder (d 768, 12 heads, FFN 3072, GELU, post-LN, eps 1e-12): input = summed word + position + segment embeddings [1, seq, 768], then the embedding LayerNorm and `layers` encoder blocks; no attention mask (one unpadded sequence); the pooler is omitted',
    source:
      'Devlin et al., NAACL 2019 (BERT-base: L=12, H=768, A=12); HuggingFace transformers BertModel (bert-base-uncased)',
    params: {
      seq: { default: 128, min: 1, max: 512, description: 'sequence length (tokens)' },
      layers: { default: 12, min: 1, max: 12, description: 'encoder blocks (1 = one block)' },
    },
    quant: DEFAULT_QUANT,
    inputs: [{ name: 'embeddings', shape: [1, 'seq', a.d] }],
    constants: [{ name: 'attn_scale', shape: [1], value: 1 / Math.sqrt(a.d / a.heads) }],
    layers: n.layers,
    outputs,
  };
}

// ---- GPT-2 -------------------------------------------------------------------------------------

interface Gpt2Config {
  readonly id: string;
  readonly label: string;
  readonly blocks: number;
  readonly d: number;
  readonly heads: number;
  readonly params: string;
}

const VOCAB = 50257;
const N_CTX = 1024;

function gpt2(c: Gpt2Config): WorkloadDoc {
  const a: AttentionShape = { d: c.d, heads: c.heads };
  const dh = c.d / c.heads;
  const n = new Net();
  const prefill = { phase: 'prefill' };
  const decode = { phase: 'decode' };
  const inputs: InputDoc[] = [
    { name: 'embeddings', shape: [1, 'seq', c.d], when: prefill },
    { name: 'embeddings', shape: [1, 1, c.d], when: decode },
  ];
  let x = 'embeddings';
  for (let l = 0; l < c.blocks; l++) {
    const p = `layer${l}.attn`;
    inputs.push({ name: `layer${l}.past_k`, shape: [1, c.heads, 'seq', dh], when: decode });
    inputs.push({ name: `layer${l}.past_v`, shape: [1, c.heads, 'seq', dh], when: decode });
    const ln1 = n.layernorm(`layer${l}.ln1`, x, 1e-5);
    const proj = (which: 'q' | 'k' | 'v'): string =>
      splitHeads(n, `${p}.${which}`, n.dense(`${p}.${which}`, ln1, c.d), a);
    const q = n.transpose(`${p}.q_heads`, proj('q'), TO_HEADS);
    const kSplit = proj('k');
    const vSplit = proj('v');
    // prefill: the keys/values of all tokens; decode: the cache of `seq` past tokens + the new one
    n.when = prefill;
    n.transpose(`${p}.k_all`, kSplit, TO_HEADS);
    n.transpose(`${p}.v_all`, vSplit, TO_HEADS);
    n.when = decode;
    n.concat(`${p}.k_all`, [`layer${l}.past_k`, n.transpose(`${p}.k_new`, kSplit, TO_HEADS)], 2);
    n.concat(`${p}.v_all`, [`layer${l}.past_v`, n.transpose(`${p}.v_new`, vSplit, TO_HEADS)], 2);
    n.when = undefined;
    const ctx = attend(n, p, q, `${p}.k_all`, `${p}.v_all`, a);
    const h = n.add(`${p}.residual`, x, n.dense(`${p}.proj`, ctx, c.d));
    const m = `layer${l}.mlp`;
    const ln2 = n.layernorm(`layer${l}.ln2`, h, 1e-5);
    const up = n.gelu(`${m}.gelu`, n.dense(`${m}.fc`, ln2, 4 * c.d));
    x = n.add(`${m}.residual`, h, n.dense(`${m}.proj`, up, c.d));
  }
  x = n.layernorm('ln_f', x, 1e-5);
  x = n.dense('lm_head', x, VOCAB, false);
  return {
    format: WORKLOAD_FORMAT,
    id: c.id,
    description: `${c.label} (${c.params}; ${c.blocks} layers, d ${c.d}, ${c.heads} heads, FFN ${4 * c.d}, GELU, pre-LN, vocab ${VOCAB}). phase=prefill: \`seq\` tokens in; phase=decode: one token attending to a KV cache of \`seq\` past tokens (graph inputs layerN.past_k/past_v) plus itself. Input = token + position embeddings; fused c_attn written as separate q/k/v dense layers; the causal mask (an element-wise select) is omitted; lm_head is tied to the token embedding and produces logits for every input token`,
    source: `Radford et al., "Language Models are Unsupervised Multitask Learners" (2019), Table 2; HuggingFace transformers GPT2LMHeadModel (${c.id})`,
    params: {
      seq: {
        default: 128,
        min: 1,
        max: N_CTX,
        description: 'prefill: prompt tokens; decode: tokens already in the KV cache',
      },
      phase: {
        default: 'prefill',
        values: ['prefill', 'decode'],
        description: 'prefill (whole prompt) or decode (one new token)',
      },
    },
    quant: DEFAULT_QUANT,
    inputs,
    constants: [{ name: 'attn_scale', shape: [1], value: 1 / Math.sqrt(dh) }],
    layers: n.layers,
    outputs: ['lm_head'],
  };
}

export const gpt2Small = (): WorkloadDoc =>
  gpt2({ id: 'gpt2', label: 'GPT-2 small', blocks: 12, d: 768, heads: 12, params: '124M parameters' });
export const gpt2Medium = (): WorkloadDoc =>
  gpt2({
    id: 'gpt2-medium',
    label: 'GPT-2 medium',
    blocks: 24,
    d: 1024,
    heads: 16,
    params: '355M parameters',
  });
