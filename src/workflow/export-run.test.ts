import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../data/mnist.js';
import { exportRun } from './export-run.js';
import { loadRun, openCodec } from './load-run.js';
import { trainRun } from './train-run.js';
import { nodeBackend } from '../runtime/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('export', () => {
  it('encoder.onnx and decoder.onnx run standalone in onnxruntime-node and match the run\'s codec', async () => {
    const dir = join(tmp, 'vae');
    await trainRun({ report: false,  model: { family: 'vae', hidden: [32], latent: 3 }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 300 }, out: dir, threads: 1 });
    const { files } = await exportRun(dir);
    const meta = JSON.parse(readFileSync(join(dir, 'export', 'model.json'), 'utf8')) as { encoder: { inputs: { name: string }[] }; latentDim: number };
    expect(meta.latentDim).toBe(3);
    expect(meta.encoder.inputs.map((i) => i.name)).toEqual(['x']);

    const enc = await ort.InferenceSession.create(files[0]!);
    const dec = await ort.InferenceSession.create(files[1]!);
    expect(enc.inputNames).toEqual(['x']);
    expect(dec.inputNames).toEqual(['z']);
    const { test } = loadBundledMnist();
    const n = 4;
    const x = test.x.slice(0, n * 784);
    const codes = await enc.run({ x: new ort.Tensor('float32', x, [n, 784]) });
    const xhat = await dec.run({ z: codes['z']! });

    const codec = await openCodec(await loadRun(dir), { backend: nodeBackend, threads: 1 });
    const want = await codec.encode(x, n);
    const wantX = await codec.decode(want['z']!, n);
    await codec.release();
    const close = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    };
    close(codes['z']!.data as Float32Array, want['z']!);
    close(xhat['xhat']!.data as Float32Array, wantX);
  }, 60_000);

  it("model.json lists exactly the inputs each .onnx file takes: labels for the cvae's two networks, none for the conditional aae's (only its discriminator reads y)", async () => {
    for (const [name, model] of [
      ['cvae', { family: 'cvae', hidden: [16], latent: 2 }],
      ['aae-conditional', { family: 'aae', conditional: true, prior: 'mog', hidden: [16], latent: 2 }],
    ] as const) {
      const dir = join(tmp, name);
      await trainRun({ report: false, model, train: { epochs: 1 }, data: { spec: 'mnist', limit: 200 }, out: dir, threads: 1 });
      const { files } = await exportRun(dir);
      const meta = JSON.parse(readFileSync(join(dir, 'export', 'model.json'), 'utf8')) as Record<'encoder' | 'decoder', { inputs: { name: string }[] }>;
      const sessions = [await ort.InferenceSession.create(files[0]!), await ort.InferenceSession.create(files[1]!)];
      expect(meta.encoder.inputs.map((i) => i.name)).toEqual(sessions[0]!.inputNames);
      expect(meta.decoder.inputs.map((i) => i.name)).toEqual(sessions[1]!.inputNames);
      expect(sessions[1]!.inputNames).toEqual(name === 'cvae' ? ['z', 'y'] : ['z']);
    }
  }, 60_000);
});
