// Runs one import in its own process and prints its peak RSS, so a test can measure memory in isolation.
import { importHfCheckpoint } from '../../analysis/io/model-import.ts';

const [hf, out, form, dtype] = process.argv.slice(2);
const result = await importHfCheckpoint(hf!, out!, {
  forms: form === 'both' ? ['unfused', 'fused'] : [form as 'fused' | 'unfused'],
  dtype: dtype === 'fp16' ? 'float16' : 'float32',
});
process.stdout.write(
  `${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds: result.info.seconds, written: result.writtenBytes })}\n`,
);
