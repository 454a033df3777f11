import { describe, expect, it } from 'vitest';
import { resolveRange } from '../../../analysis/view/byte-range.ts';

describe('resolveRange', () => {
  it('resolveRange(undefined) is the whole file', () => {
    expect(resolveRange(undefined, 100)).toEqual({ kind: 'whole' });
  });

  it('bytes=a-b gives the inclusive range, clamped to the last byte', () => {
    expect(resolveRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(resolveRange('bytes=90-1000', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(resolveRange('bytes=5-5', 100)).toEqual({ kind: 'partial', start: 5, end: 5 });
  });

  it('bytes=a- is open-ended and bytes=-n is the last n bytes (the whole file when n > size)', () => {
    expect(resolveRange('bytes=40-', 100)).toEqual({ kind: 'partial', start: 40, end: 99 });
    expect(resolveRange('bytes=-4', 100)).toEqual({ kind: 'partial', start: 96, end: 99 });
    expect(resolveRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('a start at or past the end, a zero suffix, or any range of an empty file is unsatisfiable', () => {
    expect(resolveRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-3', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('multi-range, other units and invalid syntax are answered with the whole file', () => {
    for (const header of ['bytes=0-1,5-6', 'items=0-1', 'bytes=5-2', 'bytes=x-3', 'bytes=-', 'bytes=1-2-3', 'bytes'])
      expect(resolveRange(header, 100), header).toEqual({ kind: 'whole' });
  });

  it('tolerates spaces and unit case (RFC 9110 ranges are case-insensitive in the unit)', () => {
    expect(resolveRange('Bytes = 2-3', 10)).toEqual({ kind: 'partial', start: 2, end: 3 });
    expect(resolveRange('bytes=2-3,', 10)).toEqual({ kind: 'partial', start: 2, end: 3 });
  });
});
