import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHostHeader, originFor } from '../../../analysis/view/loopback.ts';

describe('loopback', () => {
  it('isLoopbackAddress: 127.x, localhost and ::1 are loopback; 0.0.0.0 and LAN addresses are not', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.test', '127.0.0.1.evil.test'])
      expect(isLoopbackAddress(host), host).toBe(false);
  });

  it('isLoopbackHostHeader accepts loopback names with or without a port and refuses other names', () => {
    for (const header of ['127.0.0.1:7450', 'localhost:7450', '[::1]:7450', 'localhost', undefined])
      expect(isLoopbackHostHeader(header), String(header)).toBe(true);
    for (const header of ['evil.test:7450', 'localhost.evil.test', '[::2]:7450', '192.168.1.4:7450', ''])
      expect(isLoopbackHostHeader(header), header).toBe(false);
  });

  it('originFor brackets IPv6 and opens a wildcard bind through 127.0.0.1', () => {
    expect(originFor('127.0.0.1', 7450)).toBe('http://127.0.0.1:7450');
    expect(originFor('::1', 80)).toBe('http://[::1]:80');
    expect(originFor('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(originFor('192.168.1.4', 8080)).toBe('http://192.168.1.4:8080');
  });
});
