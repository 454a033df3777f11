import { AccLensError } from '../../../errors.ts';
import type { Trajectory } from '../trajectory.ts';
import { isObj, type Json } from './common.ts';
import { fromMiniSweAgent } from './mini-swe-agent.ts';
import { fromOpenAiChat } from './openai-chat.ts';
import { fromOpenHands } from './openhands.ts';
import { fromReact, looksLikeReact } from './react.ts';
import { fromSweAgent } from './swe-agent.ts';

export const TRAJECTORY_FORMATS = ['swe-agent', 'mini-swe-agent', 'openhands', 'openai-chat', 'react'] as const;
export type TrajectoryFormat = (typeof TRAJECTORY_FORMATS)[number];

const isEvent = (e: unknown): boolean => isObj(e) && 'source' in e && ('action' in e || 'observation' in e);
const isEventOrPair = (e: unknown): boolean => isEvent(e) || (Array.isArray(e) && e.length === 2 && e.every(isEvent));
const isMessage = (m: unknown): m is Json => isObj(m) && typeof m.role === 'string';
const isMiniMessage = (m: Json): boolean =>
  m.role === 'exit' ||
  (isObj(m.extra) && ('actions' in m.extra || 'raw_output' in m.extra)) ||
  (m.role !== 'assistant' && /<returncode>/.test(String(m.content)));

/** Which trajectory format a parsed JSON document holds, from its shape; null when none fits. */
export function detectDocument(json: unknown): TrajectoryFormat | null {
  const obj = isObj(json) ? json : null;
  const history = Array.isArray(json) ? json : Array.isArray(obj?.history) ? (obj?.history as unknown[]) : null;
  if (history !== null && history.length > 0 && history.every(isEventOrPair)) return 'openhands';
  if (obj !== null && ('test_result' in obj || 'instruction' in obj) && 'history' in obj) return 'openhands';
  if (obj !== null && Array.isArray(obj.history) && obj.history.every(isMessage)) return 'swe-agent';
  const messages = Array.isArray(json) ? json : Array.isArray(obj?.messages) ? (obj?.messages as unknown[]) : null;
  if (messages === null || messages.length === 0 || !messages.every(isMessage)) return null;
  if (String(obj?.trajectory_format ?? '').startsWith('mini-swe-agent') || messages.some(isMiniMessage))
    return 'mini-swe-agent';
  return 'openai-chat';
}

/** A short description of what a document is, for E_FORMAT_UNKNOWN. */
export function describeValue(json: unknown): string {
  if (Array.isArray(json))
    return `a JSON array of ${json.length} items${isObj(json[0]) ? ` with keys [${Object.keys(json[0]).join(', ')}]` : ''}`;
  if (isObj(json)) return `a JSON object with keys [${Object.keys(json).join(', ')}]`;
  return `JSON ${typeof json}`;
}

export function unknownFormat(where: string, saw: string): AccLensError {
  return new AccLensError(
    'E_FORMAT_UNKNOWN',
    `${where}: not a format acc-lens knows; saw ${saw}. Supported: ${TRAJECTORY_FORMATS.join(', ')} (plus mrcr, graphwalks, acc-rows and probes JSONL/Parquet rows).`,
  );
}

/** The trajectories of a parsed JSON document in `format` (one; OpenHands / chat rows each give one). */
export function parseDocument(json: unknown, format: Exclude<TrajectoryFormat, 'react'>, where: string): Trajectory {
  if (format === 'openhands') return fromOpenHands(json, where);
  if (format === 'swe-agent') return fromSweAgent(json, where);
  if (format === 'mini-swe-agent') return fromMiniSweAgent(json, where);
  return fromOpenAiChat(json, where);
}

/** ReAct text → one trajectory per episode; E_FORMAT_UNKNOWN when it holds none. */
export function parseReact(text: string, where: string): Trajectory[] {
  const episodes = looksLikeReact(text) ? fromReact(text) : [];
  if (episodes.length === 0) throw unknownFormat(where, `text starting ${JSON.stringify(text.slice(0, 60))}`);
  return episodes;
}
