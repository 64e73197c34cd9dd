// The README's explorer screenshot (docs/explorer.png): a 2-D VAE trained 10 epochs on the
// bundled digits, opened with `latentkit explore` in headless Chromium, then used like a
// person would: hover a point, interpolate between two digits, sample from the prior, draw
// a stroke and encode it.
// Usage: npx tsc -p tsconfig.json && npm run build:web && node docs/make-explorer-shot.mjs [--run DIR]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'latentkit.js');
const { values } = parseArgs({ options: { run: { type: 'string', default: join(ROOT, 'runs', 'vae2-explorer') }, out: { type: 'string', default: join(ROOT, 'docs', 'explorer.png') } } });
const run = values.run;
if (!existsSync(join(run, 'checkpoint.safetensors'))) {
  const r = spawnSync(process.execPath, [BIN, 'train', '--model', 'vae', '--latent', '2', '--epochs', '10', '--out', run, '--force', '--no-report', '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const child = spawn(process.execPath, [BIN, 'explore', run, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const { url } = await new Promise((resolve) => {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    if (out.endsWith('\n')) resolve(JSON.parse(out));
  });
});
const browser = await chromium.launch({
  executablePath: process.env.LATENTKIT_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__explorer?.ready);
  const click = async (i) => {
    const p = await page.evaluate((i) => window.__explorer.pointClient(i), i);
    await page.mouse.click(p.x, p.y);
    await page.evaluate(() => window.__explorer.idle());
  };
  const labels = await page.evaluate(() => fetch('run/labels.i32').then((r) => r.arrayBuffer()).then((b) => Array.from(new Int32Array(b))));
  await click(labels.indexOf(0));
  await page.click('#set-a');
  await click(labels.indexOf(7));
  await page.click('#set-b');
  await page.click('#interpolate');
  await page.click('#sample');
  const pad = await page.locator('#pad').boundingBox();
  const stroke = [[0.3, 0.25], [0.7, 0.25], [0.45, 0.8]];
  await page.mouse.move(pad.x + pad.width * stroke[0][0], pad.y + pad.height * stroke[0][1]);
  await page.mouse.down();
  for (const [x, y] of stroke.slice(1)) await page.mouse.move(pad.x + pad.width * x, pad.y + pad.height * y, { steps: 12 });
  await page.mouse.up();
  await page.click('#encode');
  await page.waitForFunction(() => window.__explorer.lastEncode !== null);
  await page.evaluate(() => window.__explorer.idle());
  const hover = await page.evaluate((i) => window.__explorer.pointClient(i), labels.indexOf(3));
  await page.mouse.move(hover.x, hover.y);
  await page.waitForTimeout(100);
  await page.screenshot({ path: values.out });
  process.stdout.write(`${values.out}\n`);
} finally {
  await browser.close();
  child.kill('SIGINT');
}
