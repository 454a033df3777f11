import { AccLensError } from '../errors.ts';

/**
 * Offset of the first JSON syntax error in `s`, or -1 when it is valid JSON. V8's messages give a
 * position for some errors only ("Unexpected token 'x', … is not valid JSON" has none), so the
 * position comes from this small validator and the wording from JSON.parse.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const string = (): boolean => {
    i++;
    for (;;) {
      const c = s[i];
      if (c === undefined || c < ' ') return false;
      if (c === '"') return (i++, true);
      if (c !== '\\') i++;
      else if ('"\\/bfnrt'.includes(s[i + 1] ?? 'x')) i += 2;
      else if (s[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 6;
      else return false;
    }
  };
  const value = (): boolean => {
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (s[i] === close) return (i++, true);
      for (;;) {
        if (c === '{') {
          ws();
          if (s[i] !== '"' || !string()) return false;
          ws();
          if (s[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === close) return (i++, true);
        else return false;
      }
    }
    if (c === '"') return string();
    number.lastIndex = i;
    if (number.test(s)) return ((i = number.lastIndex), true);
    for (const lit of ['true', 'false', 'null']) if (s.startsWith(lit, i)) return ((i += lit.length), true);
    return false;
  };
  if (!value()) return i;
  ws();
  return i < s.length ? i : -1;
}

/** 1-based line and column (in UTF-16 code units) of an offset. */
export function lineColumn(s: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i >= 0 && i < offset; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse that fails with E_JSONL_INVALID naming `file:line:column` of the syntax error and what
 * V8 said; `firstLine` is the line number of `s` in the file (for JSONL lines).
 */
export function parseJsonAt(s: string, file: string, firstLine = 1): unknown {
  try {
    return JSON.parse(s);
  } catch (error) {
    throw new AccLensError('E_JSONL_INVALID', `${jsonErrorWhere(s, file, firstLine)}: ${syntaxMessage(error)}`);
  }
}

/** "not valid JSON (V8's words)", the quoted source V8 echoes cut short. */
export function syntaxMessage(error: unknown): string {
  const message = (error as Error).message;
  return `not valid JSON (${message.length > 160 ? `${message.slice(0, 160)}…` : message})`;
}

/** `file:line:column` of the first syntax error of `s`. */
export function jsonErrorWhere(s: string, file: string, firstLine = 1): string {
  const at = jsonErrorOffset(s);
  const { line, column } = lineColumn(s, at < 0 ? s.length : at);
  return `${file}:${firstLine + line - 1}:${column}`;
}
