import { join } from 'node:path';
import { fail } from '../errors.ts';
import { pathKind } from '../io/confined-file.ts';
import { MANIFEST_FILE } from '../io/manifest.ts';

const FIX = 'Pass a run folder written by `acc-lens capture` or `acc-lens demo` (e.g. runs/demo).';

/**
 * Checks that `dir` is a run folder (exists, is a folder, holds `manifest.json`) with coded errors.
 * The manifest's content is left to the viewer, which shows a damaged run's errors in the page.
 */
export async function checkRunFolder(dir: string): Promise<void> {
  const kind = await pathKind(dir);
  if (kind === 'missing') fail('E_FILE_NOT_FOUND', `${dir} does not exist`, FIX);
  if (kind !== 'folder') fail('E_USAGE', `${dir} is not a folder; acc-lens view takes a run folder`, FIX);
  if ((await pathKind(join(dir, MANIFEST_FILE))) !== 'file')
    fail('E_FILE_NOT_FOUND', `${dir} is not a run: ${MANIFEST_FILE} is missing`, FIX);
}
