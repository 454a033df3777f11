import { AccLensError } from '../../../errors.ts';
import type { Trajectory } from '../trajectory.ts';
import { fromMiniSweAgent, fromOpenAiChat, fromOpenHands, fromSweAgent } from './chat-like.ts';
import { fromReact } from './react.ts';

export const TRAJECTORY_FORMATS = ['swe-agent', 'mini-swe-agent', 'openhands', 'openai-chat', 'react'] as const;
export type TrajectoryFormat = (typeof TRAJECTORY_FORMATS)[number];

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEvent = (e: unknown): boolean => isObj(e) && 'source' in e && ('action' in e || 'observation' in e);

/** Which trajectory format a file holds, from its shape; null when none fits. */
export function detectFormat(text: string): TrajectoryFormat | null {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('['))
    return /^Question:/m.test(text) && /^Action(?: \d+)?:/m.test(text) ? 'react' : null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const events = Array.isArray(json) ? json : isObj(json) && Array.isArray(json.history) ? json.history : null;
  if (events !== null && events.length > 0 && events.every(isEvent)) return 'openhands';
  if (isObj(json) && Array.isArray(json.history)) return 'swe-agent';
  const messages = Array.isArray(json) ? json : isObj(json) && Array.isArray(json.messages) ? json.messages : null;
  if (messages === null || !messages.every((m) => isObj(m) && typeof m.role === 'string')) return null;
  if (isObj(json) && String(json.trajectory_format ?? '').startsWith('mini-swe-agent')) return 'mini-swe-agent';
  if (messages.some((m) => (m as Json).role === 'tool' || Array.isArray((m as Json).tool_calls))) return 'openai-chat';
  if (messages.some((m) => (m as Json).role === 'user' && /<returncode>/.test(String((m as Json).content))))
    return 'mini-swe-agent';
  return null;
}

function describe(text: string): string {
  try {
    const json: unknown = JSON.parse(text);
    if (Array.isArray(json))
      return `a JSON array of ${json.length} items${isObj(json[0]) ? ` with keys [${Object.keys(json[0]).join(', ')}]` : ''}`;
    if (isObj(json)) return `a JSON object with keys [${Object.keys(json).join(', ')}]`;
    return `JSON ${typeof json}`;
  } catch {
    return `text starting ${JSON.stringify(text.slice(0, 60))}`;
  }
}

/** Parses a trajectory file in `format` (detected when absent); unknown formats fail with E_FORMAT_UNKNOWN. */
export function parseTrajectory(text: string, file: string, format?: TrajectoryFormat): Trajectory {
  const f = format ?? detectFormat(text);
  if (f === null) {
    throw new AccLensError(
      'E_FORMAT_UNKNOWN',
      `${file}: not a trajectory format acc-lens knows; saw ${describe(text)}. Supported: ${TRAJECTORY_FORMATS.join(', ')} (plus mrcr, graphwalks and acc-rows JSONL/Parquet rows).`,
    );
  }
  if (f === 'react') return fromReact(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AccLensError('E_FORMAT_UNKNOWN', `${file}: --format ${f} expects JSON (${(error as Error).message})`);
  }
  const obj = isObj(json) ? json : {};
  const list = (key: string): Json[] =>
    (Array.isArray(json) ? json : Array.isArray(obj[key]) ? obj[key] : []) as Json[];
  if (f === 'openhands') return fromOpenHands(list('history'), obj);
  if (f === 'swe-agent') return fromSweAgent(obj);
  if (f === 'mini-swe-agent') return fromMiniSweAgent(list('messages'), isObj(obj.info) ? obj.info : {});
  return fromOpenAiChat(list('messages'));
}
