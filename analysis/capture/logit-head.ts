import { AccLensError } from '../errors.ts';
import { attr, indexGraph, int } from '../onnx/discover/graph.ts';
import { weightDims } from '../onnx/discover/shape-pieces.ts';
import { GraphEdit } from '../onnx/edit/index.ts';
import type { ModelProto } from '../onnx/read-model.ts';

/** int64 [n ≥ 1]: chunk rows whose next-token logits are needed */
export const LOGIT_POSITIONS = 'acc_lens.in.logit_positions';
export const TARGET_IDS = 'acc_lens.in.target_ids'; // int64 [n, 1]: the gold next token of each of those rows
export const ANSWER_LOGPROBS = 'acc_lens.out.answer_logprobs'; // [n, 1]

const PASS_THROUGH = new Set(['Reshape', 'Identity', 'Cast', 'Squeeze', 'Unsqueeze', 'Transpose']);

/**
 * Feeds only the rows named by `acc_lens.in.logit_positions` to the LM head: the plain forward computes
 * [S, vocab] logits for every chunk (≈ 80 GFLOP per 1,024 rows at vocab 151,936), capture needs a few.
 * `logits` becomes [1, n, vocab]; with `logprobs`, an in-graph LogSoftmax + GatherElements of
 * `acc_lens.in.target_ids` gives `acc_lens.out.answer_logprobs` [n, 1]. Returns false (graph unchanged)
 * when the head is not a MatMul/Gemm on a weight initializer.
 * Example: `narrowLogitHead(model, true)`.
 */
export function narrowLogitHead(model: ModelProto, logprobs: boolean): boolean {
  const g = indexGraph(model.graph!);
  let tensor = 'logits';
  let head: number | undefined;
  for (let depth = 0; depth < 8; depth++) {
    const p = g.producer.get(tensor);
    if (p === undefined) break;
    const op = g.nodes[p]!.opType ?? '';
    if (op === 'MatMul' || op === 'Gemm') {
      head = p;
      break;
    }
    if (!PASS_THROUGH.has(op)) break;
    tensor = g.nodes[p]!.input?.[0] ?? '';
  }
  const node = head === undefined ? undefined : g.nodes[head]!;
  // The weight as the op reads it: an initializer, or MatMul(x, Transpose(W)) as some exporters write a tied head.
  const dims = node === undefined ? null : weightDims(g, node.input?.[1] ?? '');
  if (node === undefined || dims === null) {
    if (logprobs)
      throw new AccLensError(
        'E_ONNX_CONTRACT',
        'cannot find the LM head (MatMul/Gemm on a [hidden, vocab] weight, or on Transpose of a [vocab, hidden] one) above the logits output, so answer log-probs cannot be computed in-graph',
        'Set "answer_logprobs": false in the capture plan (--plan).',
      );
    return false;
  }
  const transB = node.opType === 'Gemm' && int(attr(node, 'transB')?.i ?? 0) === 1;
  const hidden = transB ? dims[1] : dims[0];
  const vocab = transB ? dims[0] : dims[1];
  const e = new GraphEdit(model);
  e.input(LOGIT_POSITIONS, 'int64', ['logit_rows']);
  const flat = e.op('Reshape', [node.input![0]!, e.int64([-1, hidden])], 'acc_lens.capture.head_rows_all');
  const picked = e.op('Gather', [flat, LOGIT_POSITIONS], 'acc_lens.capture.head_rows', { axis: 0 }); // [n, hidden]
  const rows = 'acc_lens.capture.logit_rows'; // [n, vocab]
  e.copy(node, `${node.name || 'lm_head'}/acc_lens_rows`, {
    input: [picked, ...(node.input ?? []).slice(1)],
    output: [rows],
  });
  // The old path to `logits` loses its only consumer and is removed by removeDeadNodes.
  e.renameOutput(g.nodes[g.producer.get('logits')!]!, 'logits', 'acc_lens.capture.dead_logits');
  e.op('Reshape', [rows, e.int64([1, -1, vocab])], 'logits');
  if (logprobs) {
    e.input(TARGET_IDS, 'int64', ['logit_rows', 1]);
    // In float32: a float16 LogSoftmax over 150k logits loses the small log-probs.
    const rows32 = e.toFloat32(rows, 'acc_lens.capture.logit_rows_f32');
    const ls = e.op('LogSoftmax', [rows32], 'acc_lens.capture.logsoftmax', { axis: -1 });
    e.op('GatherElements', [ls, TARGET_IDS], ANSWER_LOGPROBS, { axis: 1 });
    e.output(ANSWER_LOGPROBS);
  }
  e.commit();
  return true;
}
