import { buildPairFiles, DEFAULT_PAIR_DIR } from '../analysis/io/reference-pair.ts';

/**
 * Vitest global setup: makes sure models/reference-pair/ holds a complete pair built by this tool
 * version (≈ 7 s when missing), so integration tests can open the real files.
 */
export default async function setup(): Promise<void> {
  const result = await buildPairFiles(DEFAULT_PAIR_DIR, { reuse: true });
  if (!result.reused)
    process.stderr.write(`global setup: built the reference pair in ${result.seconds.toFixed(1)} s\n`);
}
