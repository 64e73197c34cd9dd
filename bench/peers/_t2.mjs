import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
const hooks = `
const DIST = '/node_modules/@tensorflow/tfjs-core/dist/';
export async function resolve(s, c, next) {
  if ((c.parentURL ?? '').includes(DIST) && s.startsWith('.') && !s.endsWith('.js')) return next(s + '.js', c);
  return next(s, c);
}
export async function load(u, c, next) {
  if (u.includes(DIST) && !u.endsWith('.node.js')) return next(u, { ...c, format: 'module' });
  return next(u, c);
}`;
register('data:text/javascript,' + encodeURIComponent(hooks), import.meta.url);
const tf = await import('@tensorflow/tfjs-core');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/');
console.log(Object.keys(wasm).slice(0,20));
wasm.setWasmPaths(dir);
wasm.setThreadsCount(2);
if (process.argv[2]==='force') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
console.log(await tf.setBackend('wasm'), tf.getBackend(), wasm.getThreadsCount(), await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
console.log(tf.softplus(tf.tensor1d([-200,-100,-20,0,20,100,200])).arraySync());
console.log(tf.version_core, tf.version);
