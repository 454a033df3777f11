import { describe, expect, it } from 'vitest';
import { parseRequestPath } from '../../../analysis/view/request-path.ts';

describe('parseRequestPath', () => {
  it('/run/… maps to run-folder segments, decoded, without the query', () => {
    expect(parseRequestPath('/run/parts/tuned/mrcr-2n-0/routing.arrow?v=2')).toEqual({
      area: 'run',
      segments: ['parts', 'tuned', 'mrcr-2n-0', 'routing.arrow'],
    });
    expect(parseRequestPath('/run/parts/base/mrcr_0001~3f2c9a1b7e40/a%20b.arrow')).toEqual({
      area: 'run',
      segments: ['parts', 'base', 'mrcr_0001~3f2c9a1b7e40', 'a b.arrow'],
    });
  });

  it('/ is the viewer index and other paths are its assets', () => {
    expect(parseRequestPath('/')).toEqual({ area: 'assets', segments: ['index.html'] });
    expect(parseRequestPath('/?probe=3#x')).toEqual({ area: 'assets', segments: ['index.html'] });
    expect(parseRequestPath('/assets/index-abc.js')).toEqual({ area: 'assets', segments: ['assets', 'index-abc.js'] });
  });

  it.each([
    ['/run/../manifest.json', 'traversal'],
    ['/run/parts/../../etc/passwd', 'traversal'],
    ['/run/%2e%2e/%2e%2e/etc/passwd', 'traversal'],
    ['/run/%2E%2E/secret', 'traversal'],
    ['/run/.%2e/secret', 'traversal'],
    ['/run/./manifest.json', 'traversal'],
    ['/run/..%2f..%2fetc%2fpasswd', 'slash'],
    ['/run/%2fetc%2fpasswd', 'slash'],
    ['/run/..\\..\\etc\\passwd', 'backslash'],
    ['/run/..%5c..%5cwindows', 'backslash'],
    ['/run/manifest.json%00.png', 'NUL'],
    ['//etc/passwd', 'empty path segments'],
    ['/run//etc/passwd', 'empty path segments'],
    ['/run/.acc-lens-build.json', 'hidden'],
    ['/run/parts/', 'folders are not listed'],
    ['/run/', 'folders are not listed'],
    ['/run', 'folders are not listed'],
  ])('%s is refused (403: %s)', (target, reason) => {
    const answer = parseRequestPath(target);
    expect(answer).toMatchObject({ status: 403 });
    expect((answer as { reason: string }).reason).toContain(reason);
  });

  it('absolute-form targets and malformed percent-encoding are bad requests (400)', () => {
    expect(parseRequestPath('http://127.0.0.1/run/manifest.json')).toMatchObject({ status: 400 });
    expect(parseRequestPath('*')).toMatchObject({ status: 400 });
    expect(parseRequestPath('/run/%E0%A4%A')).toMatchObject({ status: 400 });
  });
});
