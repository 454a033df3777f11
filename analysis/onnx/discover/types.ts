import type { ElemType } from '../edit/dtype.ts';
import type { Dim } from './graph.ts';

export type AttentionForm =
  | 'unfused' // MatMul(Q, Kᵀ) … Softmax → MatMul(·, V)
  | 'onnx-attention' // ai.onnx Attention (opset 23+)
  | 'gqa' // com.microsoft GroupQueryAttention
  | 'mha' // com.microsoft MultiHeadAttention
  | 'ms-attention'; // com.microsoft Attention

export type RouterForm =
  | 'softmax-topk' // MatMul → Softmax → TopK
  | 'topk-softmax' // MatMul → TopK on logits → Softmax over the top-k
  | 'softmax' // MatMul → Softmax feeding a dense mixture, no TopK
  | 'moe' // com.microsoft MoE (router_probs input holds logits)
  | 'qmoe'; // com.microsoft QMoE

/** How the probabilities of one attention site leave the graph. */
export type AttentionCapture =
  | { how: 'tensor'; tensor: string } // an existing Softmax output
  | { how: 'set-attribute'; attribute: string; value: number; outputIndex: number } // op's own output
  | { how: 'twin-node'; attribute: string; value: number; outputIndex: number } // a copy of the op with the attribute set
  | { how: 'softmax-of-output'; outputIndex: number } // pre-softmax scores → masked Softmax
  | { how: 'none'; reason: string };

export interface AttentionSite {
  form: AttentionForm;
  /** Name of the node that defines the site (the Softmax for unfused graphs, the fused op otherwise). */
  node: string;
  nodeIndex: number;
  layer: number;
  queryHeads: Dim;
  kvHeads: Dim;
  /** head_dim where the graph tells (unfused: the Reshape that splits Q or K into heads). */
  headDim?: number;
  /** The MatMul producing Q·Kᵀ (unfused), for reporting. */
  scoresNode?: string;
  rotary?: boolean;
  capture: AttentionCapture;
  /** Present when the instrumented probabilities are in the exported layout [batch, heads, query, total]. */
  shape: Dim[];
  /** Element type the site computes its probabilities in (the capture tensor is float32 whatever it is). */
  dtype?: ElemType;
}

export interface RouterSite {
  form: RouterForm;
  node: string;
  nodeIndex: number;
  layer: number;
  experts: Dim;
  topK: number | null;
  /** Tensor holding router logits [tokens, experts] (or [batch, seq, experts]). */
  logits: string;
  logitsShape: Dim[];
  /** Existing TopK outputs, when the graph has a TopK. */
  topkValues?: string;
  topkIndices?: string;
  /** Whether the TopK values are gate probabilities (softmax-topk) or raw logits (topk-softmax). */
  topkOn?: 'probs' | 'logits';
  /** TopK renormalisation of the MoE op (normalize_routing_weights), when known. */
  normalize?: boolean;
  /** Element type of the router logits in the graph (captured as float32). */
  dtype?: ElemType;
}

export interface Uncapturable {
  node: string;
  op: string;
  what: 'attention' | 'router';
  reason: string;
}

export interface Discovery {
  attention: AttentionSite[];
  routers: RouterSite[];
  uncapturable: Uncapturable[];
  /** Which family adapter supplied layer-name hints, if any. */
  family: string | null;
  /** Graph inputs that look like a KV cache (past_key_values.N.key, past_N, key_cache.N …). */
  kvCacheInputs: string[];
}
