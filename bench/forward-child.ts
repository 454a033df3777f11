/**
 * One forward-pass measurement in its own process, so peak RSS belongs to this configuration
 * alone. Usage: tsx bench/forward-child.ts MODEL.onnx TOKENS CHUNK → one JSON line on stdout.
 */
import { openModel } from '../analysis/capture/session.ts';
import { createRng } from '../analysis/stats/rng.ts';

const [path, tokensArg, chunkArg] = process.argv.slice(2);
const tokens = Number(tokensArg);
const chunk = Number(chunkArg);
const rng = createRng(tokens);
const ids = Array.from({ length: tokens }, () => rng.int(151_643));
const session = await openModel(path!, { ep: 'cpu' });
const rssBefore = process.resourceUsage().maxRSS;
const start = performance.now();
await session.prefill(ids, { chunkSize: chunk, lastLogitsOnly: true });
const seconds = (performance.now() - start) / 1000;
await session.close();
process.stdout.write(
  `${JSON.stringify({ tokens, chunk, seconds, tokens_per_s: tokens / seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rss_after_load_mb: rssBefore / 1024 })}\n`,
);
