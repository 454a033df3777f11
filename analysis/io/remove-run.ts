import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AccLensError } from '../errors.ts';

/** Deletes a run folder — only if it is one (holds manifest.json), so a mistyped path never loses other files. */
export async function removeRun(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new AccLensError(
      'E_USAGE',
      `${dir} is not an acc-lens run (no manifest.json); not removing it`,
      'Choose another --out folder.',
    );
  }
  await rm(dir, { recursive: true, force: true });
}
