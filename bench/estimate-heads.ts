// Memory estimate vs measured peak RSS on a torch.onnx-style unfused GQA export without value_info
// (issue 11): the estimate must use the discovered head counts (4 query / 2 KV heads), not 1.
// Each capture runs in its own process (bench/nocache-peak-child.ts) so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instrumentForCapture } from '../analysis/capture/instrument.ts';
import { parsePlan } from '../analysis/capture/plan.ts';
import { buildQwen3MoeGraph } from '../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../models/qwen3-moe/random-weights.ts';
import { withoutKvCache } from '../test/integration/kv-graph-variants.ts';
import { torchStyleExport } from '../test/unit/onnx-discover/torch-style.ts';
import { TINY } from '../test/unit/onnx/tiny-model.ts';

// The reference pair's attention shape (4 query / 2 KV heads, head_dim 128), 4 layers, a full Qwen3 vocabulary
// so the child's probe ids (1,000–141,000) are valid.
const CONFIG = {
  ...TINY,
  vocab_size: 151_936,
  hidden_size: 256,
  head_dim: 128,
  num_hidden_layers: 4,
  max_position_embeddings: 32_768,
};

export async function benchEstimateHeads(tokens: number[] = [4096, 8192]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'acc-lens-bench-estimate-'));
  try {
    const model = join(dir, 'torch-style.onnx');
    writeFileSync(
      model,
      torchStyleExport(withoutKvCache(buildQwen3MoeGraph(randomWeights(CONFIG, 5), { form: 'unfused' }))),
    );
    const inst = instrumentForCapture(model, parsePlan({}));
    const { queryHeads, kvHeads, headDim } = inst.shape;
    inst.dispose();
    const child = fileURLToPath(new URL('./nocache-peak-child.ts', import.meta.url));
    const rows = tokens.map((T) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', child, model, String(T), dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`estimate child at ${T} tokens failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        seconds: number;
        peak_rss_bytes: number;
        estimate_bytes: number;
        attention_bytes: number;
      };
      const gb = (b: number) => Math.round((b / 1e9) * 1000) / 1000;
      return {
        tokens: T,
        estimate_gb: gb(m.estimate_bytes),
        peak_rss_gb: gb(m.peak_rss_bytes),
        estimate_over_measured: Math.round((m.estimate_bytes / m.peak_rss_bytes) * 1000) / 1000,
        attention_estimate_gb: gb(m.attention_bytes),
        seconds: Math.round(m.seconds * 10) / 10,
      };
    });
    return {
      model: 'torch.onnx-style unfused GQA, no value_info, no KV cache, 4 layers, hidden 256, vocab 151,936',
      discovered: { queryHeads, kvHeads, headDim },
      rows,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
