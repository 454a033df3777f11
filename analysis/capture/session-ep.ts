import * as ort from 'onnxruntime-node';
import { AccLensError } from '../errors.ts';
import { isFile } from '../io/local-files.ts';

export type EpChoice = 'auto' | 'cuda' | 'cpu';

export interface OpenOptions {
  ep?: EpChoice;
  threads?: number;
  enableCpuMemArena?: boolean;
  /** Where the one CUDA-fallback notice goes; default stderr. */
  notice?: (line: string) => void;
}

/** ORT messages carry ANSI colours and multi-line log dumps; keep the first readable line. */
export function shortReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

let noticeGiven = false;

const EP_FAILURE = /cuda|execution provider|providers_shared|shared library|cudnn|cublas/i;

function sessionOptions(ep: 'cuda' | 'cpu', o: OpenOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    logSeverityLevel: 3,
    ...(o.threads !== undefined ? { intraOpNumThreads: o.threads } : {}),
    ...(o.enableCpuMemArena !== undefined ? { enableCpuMemArena: o.enableCpuMemArena } : {}),
  };
}

/**
 * Creates an ORT session on the requested execution provider. ORT does not fall back by itself
 * (['cuda', 'cpu'] without CUDA libraries throws), so 'auto' tries CUDA alone, then CPU with one
 * notice line (once per process on stderr). Example: `await createSession('m.onnx', { ep: 'auto' })`.
 */
export async function createSession(
  path: string,
  o: OpenOptions,
): Promise<{ session: ort.InferenceSession; ep: 'cuda' | 'cpu' }> {
  if (!isFile(path)) {
    throw new AccLensError('E_FILE_NOT_FOUND', `model file not found: ${path}`);
  }
  // The CUDA probe makes ORT's default logger print its own error; keep the notice to one line.
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
  const ep = o.ep ?? 'auto';
  let cudaReason: string | undefined;
  if (ep !== 'cpu') {
    try {
      return { session: await ort.InferenceSession.create(path, sessionOptions('cuda', o)), ep: 'cuda' };
    } catch (e) {
      cudaReason = shortReason(e);
      if (ep === 'cuda') {
        const code = EP_FAILURE.test(cudaReason) ? 'E_EP_UNAVAILABLE' : 'E_ONNX_INVALID';
        throw new AccLensError(
          code,
          code === 'E_EP_UNAVAILABLE'
            ? `CUDA execution provider unavailable for ${path}: ${cudaReason}`
            : `${path} is not a loadable ONNX model: ${cudaReason}`,
        );
      }
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, sessionOptions('cpu', o));
  } catch (e) {
    throw new AccLensError('E_ONNX_INVALID', `${path} is not a loadable ONNX model: ${shortReason(e)}`);
  }
  if (cudaReason !== undefined && (o.notice !== undefined || !noticeGiven)) {
    if (o.notice === undefined) noticeGiven = true;
    (o.notice ?? ((l) => process.stderr.write(`${l}\n`)))(
      `acc-lens: CUDA execution provider unavailable (${cudaReason}); running on CPU. Install it with: npm run install:cuda`,
    );
  }
  return { session, ep: 'cpu' };
}
