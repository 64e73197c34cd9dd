/**
 * The portable core bundles for the browser: src/browser.ts (models, trainer, checkpoint codec,
 * runtime/web) built by esbuild for `platform: 'browser'`, ESM. A `node:` import anywhere in
 * what it pulls in fails the build (esbuild cannot resolve Node built-ins for the browser), and
 * the bundle's module graph must hold no onnxruntime-node.
 */
import { build, type Metafile } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The portable core (docs: ARCHITECTURE.md, Layers): every module here must bundle for the browser. */
const CORE = ['train', 'models', 'nn', 'losses', 'graph', 'autodiff', 'optim', 'onnx', 'runtime', 'latent'];
/** The Node adapter of the runtime: the one core-folder module allowed to import Node and onnxruntime-node. */
const NODE_ADAPTERS = new Set(['src/runtime/node.ts']);

function coreModules(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
  return CORE.flatMap((d) => walk(join('src', d))).map((p) => relative(ROOT, join(ROOT, p))).filter((p) => !NODE_ADAPTERS.has(p));
}

describe('the browser bundle of src/browser.ts', () => {
  it('builds for platform browser with no node: import and no onnxruntime-node', async () => {
    let result;
    try {
      result = await build({ entryPoints: ['src/browser.ts'], absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, metafile: true, logLevel: 'silent' });
    } catch (e) {
      // esbuild's message lists each unresolvable import with the file that has it.
      const errors = (e as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
      throw new Error(`the browser bundle failed:\n${errors.map((x) => `${x.location?.file ?? '?'}: ${x.text}`).join('\n') || String(e)}`);
    }
    const meta: Metafile = result.metafile;
    const inputs = Object.keys(meta.inputs);
    // The bundle covers the core (a check that would pass on an empty graph checks nothing).
    for (const core of ['src/train/trainer.ts', 'src/train/checkpoint.ts', 'src/models/registry.ts', 'src/runtime/web.ts', 'src/onnx/emit.ts']) expect(inputs).toContain(core);
    expect(inputs.filter((p) => p.includes('onnxruntime-node'))).toEqual([]);
    const imports = Object.entries(meta.inputs).flatMap(([from, i]) => i.imports.map((x) => `${from} → ${x.path}`));
    expect(imports.filter((x) => /→ (node:|onnxruntime-node)/.test(x))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.match(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?["']node:[^"']+["']|\bimport\(\s*["']node:[^"']+["']\s*\)/g) ?? []).toEqual([]);
    expect(code).not.toContain('onnxruntime-node');
  }, 60_000);

  it('every module of the core (train, models, nn, losses, graph, autodiff, optim, onnx, runtime, latent) bundles too', async () => {
    const entries = coreModules();
    expect(entries.length).toBeGreaterThan(50);
    const result = await build({ entryPoints: entries, absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, outdir: 'out', metafile: true, logLevel: 'silent' }).catch((e: { errors?: { text: string; location?: { file: string } | null }[] }) => {
      throw new Error(`the core does not bundle for the browser:\n${(e.errors ?? []).map((x) => `${x.location?.file ?? '?'}: ${x.text}`).join('\n')}`);
    });
    const imports = Object.entries(result.metafile.inputs).flatMap(([from, i]) => i.imports.map((x) => `${from} → ${x.path}`));
    expect(imports.filter((x) => /→ (node:|onnxruntime-node)/.test(x))).toEqual([]);
  }, 120_000);
});
