import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAIR_DIR } from '../../analysis/io/reference-pair.ts';
import { PAIR_FORMS, PAIR_MODELS, modelFileName } from '../../models/reference/pair-files.ts';

const PYTHON = '/usr/bin/python3';
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

describe('onnx.checker (Debian python3-onnx, an independent implementation)', () => {
  it('is installed where CI runs (.ci/run installs python3-onnx)', () => {
    if (process.env.CI) expect(hasOnnx, 'python3-onnx missing in CI').toBe(true);
    else if (!hasOnnx)
      process.stderr.write('python3-onnx not installed: skipping the checker (apt-get install -y python3-onnx)\n');
  });

  it.runIf(hasOnnx)(
    'accepts every model of the reference pair with full_check',
    () => {
      const paths = PAIR_MODELS.flatMap((m) => PAIR_FORMS.map((f) => join(DEFAULT_PAIR_DIR, modelFileName(m, f))));
      const script =
        'import onnx, sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)\n    print("ok", p)';
      const run = spawnSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toHaveLength(paths.length);
    },
    120_000,
  );
});
