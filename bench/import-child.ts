/**
 * One import in its own process, so peak RSS belongs to it alone.
 * Usage: tsx bench/import-child.ts HF_DIR OUT fused|unfused|both fp32|fp16 → one JSON line on stdout.
 */
import { importHfCheckpoint } from '../analysis/io/model-import.ts';

const [hf, out, form, dtype] = process.argv.slice(2);
const start = performance.now();
const cpu0 = process.cpuUsage();
const result = await importHfCheckpoint(hf!, out!, {
  forms: form === 'both' ? ['unfused', 'fused'] : [form as 'fused' | 'unfused'],
  dtype: dtype === 'fp16' ? 'float16' : 'float32',
});
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ seconds: (performance.now() - start) / 1000, cpu_seconds: (cpu.user + cpu.system) / 1e6, written_bytes: result.writtenBytes, source_bytes: result.info.source.bytes, peak_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
