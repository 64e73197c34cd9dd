/**
 * The web back end's thread choice, in Node (onnxruntime-web's Node build; no cross-origin
 * isolation there, as in a page served without COOP/COEP). Training on it in a real browser:
 * web.browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createWebBackend, defaultWebThreads } from './web.js';

describe('createWebBackend', () => {
  it('defaults to onnxruntime-web’s pool size min(4, ⌈cores/2⌉)', () => {
    expect([1, 2, 3, 4, 6, 8, 16].map(defaultWebThreads)).toEqual([1, 1, 2, 2, 3, 4, 4]);
  });

  it('without cross-origin isolation runs single-threaded and says so; bad thread counts are refused', async () => {
    expect((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated).not.toBe(true);
    const b = await createWebBackend({ threads: 4 });
    expect(b.threads).toBe(1);
    expect(b.availableThreads()).toBe(1);
    expect(b.crossOriginIsolated).toBe(false);
    expect(b.threadsNote).toMatch(/not cross-origin isolated, so wasm runs single-threaded/);
    expect(b.name).toBe('web-wasm');
    await expect(createWebBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer \(got 0\)/);
  });

  it('WebGPU asked for where there is none: wasm, and a note saying so', async () => {
    const b = await createWebBackend({ device: 'webgpu' });
    expect(b.device).toBe('wasm');
    expect(b.deviceNote).toMatch(/no WebGPU|no adapter/);
  });
});
