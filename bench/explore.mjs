// `latentkit explore` speed, on the reference VAE (784-400-20-400-784, Bernoulli) trained on
// Fashion-MNIST (60k train, 10k test), in headless Chromium (Debian `chromium`, playwright-core):
//   start      time from spawning `latentkit explore RUN` to (a) the server answering the page
//              and the run's manifest and (b) the page being ready (model loaded, first decode
//              drawn) in an already-open browser; cold (no cache: builds encoder/decoder export,
//              10k codes, PCA map, thumbnails, fitted mixture) and warm (cached bundle)
//   decode     decode latency per slider move, measured in the page around session.run
//              (median, p95 over --moves moves), with 1 and 2 wasm threads
//   pan        redraw time and frame interval while panning the map of all 70k codes
//              (train + test, `--split all`), 180 animation frames
// Prints one JSON line per case and a table on stderr.
// Usage: npx tsc -p tsconfig.json && npm run build:web && node bench/explore.mjs
//        [--run DIR (default: train bench/out/explore-vae)] [--data-dir D] [--epochs 2] [--moves 200]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'latentkit.js');
const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    'data-dir': { type: 'string' },
    epochs: { type: 'string', default: '2' },
    moves: { type: 'string', default: '200' },
    chromium: { type: 'string', default: process.env.LATENTKIT_CHROMIUM ?? '/usr/bin/chromium' },
  },
});
const rows = [];
const emit = (obj) => {
  rows.push(obj);
  process.stdout.write(`${JSON.stringify(obj)}\n`);
};
const quantile = (v, q) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

let run = values.run;
if (!run) {
  run = join(ROOT, 'bench', 'out', 'explore-vae');
  if (!existsSync(join(run, 'checkpoint.safetensors'))) {
    const args = ['train', '--model', 'vae', '--latent', '20', '--data', 'fashion-mnist', '--epochs', values.epochs, '--out', run, '--force', '--no-report', '--quiet', ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : [])];
    process.stderr.write(`training: latentkit ${args.join(' ')}\n`);
    const r = spawnSync(process.execPath, [BIN, ...args], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
}

/** Spawns `latentkit explore`, resolving with the URL once the page and manifest answer 200. */
async function startExplorer(extra = []) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'explore', run, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+\/)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`latentkit explore exited with ${code}`)));
  });
  for (const path of ['', 'run/manifest.json']) {
    for (;;) {
      const r = await fetch(url + path).catch(() => null);
      if (r?.ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const serverSeconds = (performance.now() - t0) / 1000;
  return { url, child, t0, serverSeconds, stop: () => new Promise((r) => (child.on('exit', r), child.kill('SIGINT'))) };
}

async function openReady(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.__explorer?.ready || window.__explorer?.error, null, { timeout: 120_000 });
  const error = await page.evaluate(() => window.__explorer.error);
  if (error || errors.length) throw new Error(`page failed: ${error ?? errors.join('; ')}`);
  return page;
}

const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // ---- start: cold, then warm
  rmSync(join(run, 'explore'), { recursive: true, force: true });
  for (const phase of ['cold', 'warm']) {
    const s = await startExplorer();
    const page = await openReady(browser, s.url);
    const readySeconds = (performance.now() - s.t0) / 1000;
    const points = await page.evaluate(() => window.__explorer.count);
    emit({ case: `start-${phase}`, points, server_s: +s.serverSeconds.toFixed(2), page_ready_s: +readySeconds.toFixed(2) });

    if (phase === 'warm') {
      // ---- decode latency per slider move
      for (const threads of [1, 2]) {
        const p = threads === 1 ? page : await openReady(browser, `${s.url}?threads=${threads}`);
        const result = await p.evaluate(async (moves) => {
          const e = window.__explorer;
          e.latencies.length = 0;
          const slider = document.querySelector('#sliders input');
          const [lo, hi] = [Number(slider.min), Number(slider.max)];
          for (let i = 0; i < moves; i++) {
            slider.value = String(lo + ((i % 50) / 50) * (hi - lo));
            slider.dispatchEvent(new Event('input', { bubbles: true }));
            await e.idle();
          }
          return { ...e.decodeLatency(), isolated: crossOriginIsolated };
        }, Number(values.moves));
        emit({ case: 'decode', threads, latent: 20, median_ms: +result.median.toFixed(3), p95_ms: +result.p95.toFixed(3), moves: result.count, isolated: result.isolated });
        if (p !== page) await p.close();
      }
    }
    await page.close();
    await s.stop();
  }

  // ---- panning all 70k codes
  const s = await startExplorer(['--split', 'all']);
  const page = await openReady(browser, s.url);
  const points = await page.evaluate(() => window.__explorer.count);
  emit({ case: 'start-cold-70k', points, server_s: +s.serverSeconds.toFixed(2), page_ready_s: +((performance.now() - s.t0) / 1000).toFixed(2) });
  await page.screenshot({ path: join(ROOT, 'bench', 'out', 'explore-70k.png') });
  const pan = await page.evaluate(() => window.__explorer.benchPan(180));
  emit({
    case: 'pan',
    points,
    redraw_median_ms: +quantile(pan.render, 0.5).toFixed(2),
    redraw_p95_ms: +quantile(pan.render, 0.95).toFixed(2),
    frame_median_ms: +quantile(pan.interval, 0.5).toFixed(2),
    frame_p95_ms: +quantile(pan.interval, 0.95).toFixed(2),
  });
  await page.close();
  await s.stop();
} finally {
  await browser.close();
}
process.stderr.write(`\n${rows.map((r) => Object.entries(r).map(([k, v]) => `${k}=${v}`).join('  ')).join('\n')}\n`);
