/**
 * The latentkit explorer page: loads the run's bundle (run/), runs its exported encoder and
 * decoder in onnxruntime-web, and wires the panels: the map (hover → image, click → decode),
 * sliders per latent dimension by activity, interpolation, sampling, attribute vectors, the
 * drawing pad, the class picker of conditional models and the model card.
 *
 * `window.__explorer` exposes the state for tests and benchmarks (decoded values, latencies,
 * point positions); the page itself never reads it.
 */
import { attributeVector } from '../../src/latent/attribute.js';
import { interpolationPath, type PathMode } from '../../src/latent/interpolate.js';
import { BUNDLE_URL, loadBundle, loadManifest, type Bundle } from './bundle.js';
import { MapView, type Marker } from './map-view.js';
import { renderModelCard } from './model-card.js';
import { loadModel, type Model } from './model.js';
import { labelColor } from './palette.js';
import { drawRows, putBytes } from './pixels.js';
import { sampleMixture, sampleNormal } from './sampling.js';
import { quantile } from './stats.js';
import { initTrainTab, showTab } from './train/tab.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface DecodeRecord {
  readonly z: number[];
  readonly label: number | null;
  readonly xhat: number[];
  readonly ms: number;
}

/** What tests and benchmarks read. */
const probe = {
  ready: false,
  error: null as string | null,
  latencies: [] as number[],
  lastDecode: null as DecodeRecord | null,
  lastEncode: null as { x: number[]; label: number | null; code: number[]; mapXY: [number, number] } | null,
  lastInterpolation: null as { mode: PathMode; steps: number; path: number[]; xhat: number[] } | null,
  lastSamples: null as { source: string; z: number[]; xhat: number[] } | null,
  hovered: -1,
  count: 0,
  pointClient: (_i: number): { x: number; y: number } => ({ x: 0, y: 0 }),
  /** Map coordinates under a client (viewport) position, and the point within hover reach there (or −1). */
  mapAt: (_x: number, _y: number): { x: number; y: number; nearest: number } => ({ x: 0, y: 0, nearest: -1 }),
  idle: (): Promise<void> => Promise.resolve(),
  benchPan: (_frames: number): Promise<{ render: number[]; interval: number[] }> => Promise.reject(new Error('the map is not ready')),
  decodeLatency: () => ({ median: quantile(probe.latencies, 0.5), p95: quantile(probe.latencies, 0.95), count: probe.latencies.length }),
};
(window as unknown as { __explorer: typeof probe }).__explorer = probe;

function showError(text: string): void {
  probe.error = text;
  const box = $('message');
  box.textContent = text;
  box.hidden = false;
}

/**
 * Whether the page was served without a run: `latentkit explore` with no RUN opens it as
 * `?run=none` (nothing is fetched); a page whose run/manifest.json is a 404 is taken as one too.
 */
async function servedWithoutRun(): Promise<boolean> {
  if (new URLSearchParams(location.search).get('run') === 'none') return true;
  try {
    return (await fetch(new URL('manifest.json', BUNDLE_URL), { method: 'HEAD' })).status === 404;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  initTrainTab();
  $('tab-explore').addEventListener('click', () => showTab('explore'));
  $('tab-train').addEventListener('click', () => showTab('train'));
  if (location.hash === '#train') showTab('train');
  let bundle: Bundle;
  // The model loads (wasm runtime, two sessions) while the points are fetched.
  let modelLoad: Promise<Model> | undefined;
  try {
    if (new URLSearchParams(location.search).get('run') === 'none') throw new Error('no run');
    const manifest = await loadManifest();
    modelLoad = loadModel(manifest);
    modelLoad.catch(() => {}); // reported below, after the map is drawn
    bundle = await loadBundle(manifest);
  } catch (e) {
    if (await servedWithoutRun()) {
      showTab('train');
      $('status').textContent = 'no run: train one in the Train tab';
      $('run-name').textContent = '— train a model';
      $('explore-view').replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'This page was opened without a run. Train one in the Train tab, or start the page with `latentkit explore RUN`.' }));
      probe.ready = true;
      return;
    }
    showError(`This page could not load the run's files: ${(e as Error).message}. Start it with \`latentkit explore RUN\`, or rebuild a static folder with \`latentkit explore RUN --static DIR --force\`.`);
    $('status').textContent = 'no run';
    return;
  }
  const m = bundle.manifest;
  const k = m.latentDim;
  const n = m.points.count;
  probe.count = n;
  document.title = `${m.run} · latentkit explorer`;
  $('run-name').textContent = `— ${m.run} (${m.family}, ${k}-D latent)`;
  renderModelCard($('model-card'), bundle);

  // ---- the map
  const map = new MapView($<HTMLCanvasElement>('map'), bundle.xy, bundle.labels);
  probe.pointClient = (i) => map.pointClient(i);
  probe.mapAt = (cx, cy) => {
    const r = $('map').getBoundingClientRect();
    return { ...map.fromCss(cx - r.left, cy - r.top), nearest: map.nearest(cx, cy) };
  };
  probe.benchPan = (frames) => map.benchPan(frames);
  const identity = m.points.method === 'identity';
  const splitName = m.points.split === 'all' ? 'train + test' : m.points.split;
  $('map-caption').textContent = identity ? `(the ${k}-D latent space itself, ${n} ${splitName} codes)` : `(${n} ${splitName} codes, ${m.points.method} of ${k}-D)`;
  $('click-hint').textContent = identity ? ', or empty space to decode that very code' : m.plane ? ', or empty space to decode the code there on the plane of the two principal components' : '';
  const legend = $('legend');
  if (bundle.labels) {
    for (const [l, name] of m.labelNames.entries()) {
      const s = document.createElement('span');
      s.style.setProperty('--c', labelColor(l));
      s.textContent = name;
      legend.append(s);
    }
  }
  const thumb = $<HTMLCanvasElement>('thumb');
  const tooltip = $('tooltip');
  const image = m.image;
  const pixelsPerImage = image ? image.channels * image.height * image.width : 0;
  if (image) [thumb.width, thumb.height] = [image.width, image.height];
  map.onHover = (i, clientX, clientY) => {
    probe.hovered = i;
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    const wrap = $('map-wrap').getBoundingClientRect();
    tooltip.style.left = `${clientX - wrap.left + 14}px`;
    tooltip.style.top = `${clientY - wrap.top + 14}px`;
    thumb.hidden = !(image && bundle.thumbs);
    if (image && bundle.thumbs) putBytes(thumb.getContext('2d')!, bundle.thumbs.subarray(i * pixelsPerImage, (i + 1) * pixelsPerImage), image);
    $('tooltip-text').textContent = `#${i}${bundle.labels ? ` · ${m.labelNames[bundle.labels[i]!] ?? bundle.labels[i]}` : ''}`;
    tooltip.hidden = false;
  };

  // ---- the model
  let model: Model;
  try {
    model = await modelLoad;
  } catch (e) {
    showError(`The model can't run in this page: ${(e as Error).message}. Rebuild the run's files with \`latentkit explore RUN\` (it re-exports the model).`);
    $('status').textContent = 'model unavailable';
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('#explore-view button, #explore-view input, #explore-view select'))) b.disabled = true;
    map.markers = [];
    return;
  }

  const conditional = m.numClasses > 0;
  const state = { z: new Float32Array(k), label: 0 };
  const markers = new Map<string, Marker>();
  const syncMarkers = (): void => {
    map.markers = [...markers.values()];
    map.requestRender();
  };

  const plane = m.plane;
  /** Where a code sits on the map: itself (identity maps), its PCA projection W(z − μ), else the map position of its nearest mapped code. */
  const mapPosition = (z: Float32Array): [number, number] => {
    if (identity) return [z[0]!, k > 1 ? z[1]! : 0];
    if (plane) {
      const [w0, w1] = plane.components as [readonly number[], readonly number[]];
      let x = 0;
      let y = 0;
      for (let d = 0; d < k; d++) [x, y] = [x + w0[d]! * (z[d]! - plane.mean[d]!), y + w1[d]! * (z[d]! - plane.mean[d]!)];
      return [x, y];
    }
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < k; j++) d += (bundle.codes[i * k + j]! - z[j]!) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    return [bundle.xy[2 * best]!, bundle.xy[2 * best + 1]!];
  };

  // ---- decoding, coalesced: while one decode runs, only the newest request waits
  const decodedCanvas = $<HTMLCanvasElement>('decoded');
  const featureCount = m.inputShape.reduce((a, b) => a * b, 1);
  let running = false;
  let queued = false;
  let waiters: (() => void)[] = [];
  const labelsFor = (count: number): Int32Array | undefined => (conditional ? new Int32Array(count).fill(state.label) : undefined);
  const pump = async (): Promise<void> => {
    running = true;
    try {
      while (queued) {
        queued = false;
        const z = state.z.slice();
        const { xhat, ms } = await model.decode(z, 1, labelsFor(1));
        probe.latencies.push(ms);
        probe.lastDecode = { z: Array.from(z), label: conditional && model.decoderTakesLabels ? state.label : null, xhat: Array.from(xhat), ms };
        drawRows(decodedCanvas, xhat, 1, image, m.preprocess, featureCount);
        const { median, p95, count } = probe.decodeLatency();
        $('latency').textContent = `decode: ${ms.toFixed(2)} ms (median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms over ${count})`;
      }
    } catch (e) {
      showError(`Decoding failed: ${(e as Error).message}`);
    } finally {
      running = false;
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  };
  const requestDecode = (): void => {
    queued = true;
    if (!running) void pump();
  };
  probe.idle = () => (running || queued ? new Promise<void>((r) => waiters.push(r)) : Promise.resolve());

  // ---- sliders, ordered by activity
  const sliders: HTMLInputElement[] = new Array<HTMLInputElement>(k);
  const sliderText: HTMLElement[] = new Array<HTMLElement>(k);
  const normalPrior = m.prior.kind === 'normal';
  const maxStd = Math.max(...m.dims.std, 1e-6);
  const sliderBox = $('sliders');
  let attributeBase: Float32Array | null = null;
  for (const d of m.dims.order) {
    const std = Math.max(m.dims.std[d]!, normalPrior ? 1 : 0.1 * maxStd);
    const lo = m.dims.mean[d]! - 3 * std;
    const hi = m.dims.mean[d]! + 3 * std;
    const row = document.createElement('div');
    row.className = 'slider';
    const name = document.createElement('span');
    name.textContent = `z${d}`;
    name.title = `std over the mapped codes: ${m.dims.std[d]!.toPrecision(3)}`;
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: String(lo), max: String(hi), step: String((hi - lo) / 400) });
    input.dataset['dim'] = String(d);
    const value = document.createElement('span');
    value.className = 'mono';
    input.addEventListener('input', () => {
      state.z[d] = Number(input.value);
      value.textContent = state.z[d]!.toFixed(3);
      attributeBase = null;
      codeChanged('sliders');
    });
    row.append(name, input, value);
    sliderBox.append(row);
    sliders[d] = input;
    sliderText[d] = value;
  }

  const codeChanged = (source: string): void => {
    $('current-text').textContent = `${source}: z = [${Array.from(state.z, (v) => v.toFixed(2)).join(', ')}]`;
    if (identity || plane) {
      const [x, y] = mapPosition(state.z);
      markers.set('current', { x, y, color: '#000', label: 'z' });
      syncMarkers();
    }
    requestDecode();
  };

  /** Makes `z` the current code (sliders follow) and decodes it. */
  const setCode = (z: ArrayLike<number>, source: string, keepAttributeBase = false): void => {
    state.z.set(z);
    for (let d = 0; d < k; d++) {
      sliders[d]!.value = String(state.z[d]);
      sliderText[d]!.textContent = state.z[d]!.toFixed(3);
    }
    if (!keepAttributeBase) attributeBase = null;
    codeChanged(source);
  };

  // ---- class picker
  const picker = $<HTMLSelectElement>('class-picker');
  if (conditional) {
    $('class-picker-label').hidden = false;
    if (!model.decoderTakesLabels) $('class-picker-label').title = "the prior's class (samples); this decoder takes no label";
    for (let c = 0; c < m.numClasses; c++) picker.add(new Option(m.labelNames[c] ?? String(c), String(c)));
    picker.addEventListener('change', () => {
      state.label = Number(picker.value);
      requestDecode();
    });
  }
  const setLabel = (l: number): void => {
    if (!conditional) return;
    state.label = l;
    picker.value = String(l);
  };

  map.onPick = (i) => {
    if (bundle.labels) setLabel(bundle.labels[i]!);
    setCode(bundle.codes.subarray(i * k, (i + 1) * k), `point #${i}`);
  };
  map.onEmptyClick = (x, y) => {
    if (identity) setCode(k === 1 ? [x] : [x, y], 'map');
    else if (plane) setCode(plane.mean.map((mu, d) => mu + x * plane.components[0]![d]! + y * plane.components[1]![d]!), 'map (on the PCA plane)');
  };

  // ---- strips of decodings (interpolation, samples): clicking a tile makes its code the current one
  const stripCodes = new Map<string, { codes: Float32Array; count: number; source: string }>();
  for (const id of ['strip', 'samples']) {
    const canvas = $<HTMLCanvasElement>(id);
    canvas.title = 'click a tile to make its code the current one';
    canvas.addEventListener('click', (e) => {
      const strip = stripCodes.get(id);
      if (!strip) return;
      const r = canvas.getBoundingClientRect();
      const i = Math.min(strip.count - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * strip.count)));
      setCode(strip.codes.subarray(i * k, (i + 1) * k), `${strip.source}, tile ${i + 1}`);
    });
  }

  // ---- interpolation
  const ends: { a: Float32Array | null; b: Float32Array | null } = { a: null, b: null };
  const setEnd = (which: 'a' | 'b'): void => {
    ends[which] = state.z.slice();
    const [x, y] = mapPosition(state.z);
    markers.set(which, { x, y, color: which === 'a' ? '#1b5e20' : '#b71c1c', label: which.toUpperCase() });
    syncMarkers();
    $<HTMLButtonElement>('interpolate').disabled = !(ends.a && ends.b);
  };
  $('set-a').addEventListener('click', () => setEnd('a'));
  $('set-b').addEventListener('click', () => setEnd('b'));
  $('interpolate').addEventListener('click', async () => {
    if (!ends.a || !ends.b) return;
    const steps = Math.min(24, Math.max(2, Math.round(Number($<HTMLInputElement>('interp-steps').value) || 10)));
    const mode = $<HTMLSelectElement>('interp-mode').value as PathMode;
    const path = interpolationPath(ends.a, ends.b, steps, mode);
    const { xhat } = await model.decode(path, steps, labelsFor(steps));
    drawRows($<HTMLCanvasElement>('strip'), xhat, steps, image, m.preprocess, featureCount);
    stripCodes.set('strip', { codes: path, count: steps, source: `${mode} path` });
    probe.lastInterpolation = { mode, steps, path: Array.from(path), xhat: Array.from(xhat) };
  });

  // ---- sampling
  const sourceSelect = $<HTMLSelectElement>('sample-source');
  if (m.prior.kind === 'normal') sourceSelect.add(new Option('prior N(0, I)', 'normal'));
  if (m.prior.kind === 'draws') sourceSelect.add(new Option("the model's prior", 'draws'));
  sourceSelect.add(new Option(`mixture fitted to the codes (${m.mixture.weights.length} components)`, 'mixture'));
  $('sample').addEventListener('click', async () => {
    const count = 8;
    const source = sourceSelect.value;
    let z: Float32Array;
    if (source === 'normal') z = sampleNormal(count, k);
    else if (source === 'mixture') z = sampleMixture(m.mixture, count);
    else {
      const draws = bundle.priorDraws!;
      const pool = Array.from({ length: draws.z.length / k }, (_, i) => i).filter((i) => !draws.labels || !conditional || draws.labels[i] === state.label);
      z = new Float32Array(count * k);
      for (let i = 0; i < count; i++) {
        const r = pool[Math.floor(Math.random() * pool.length)]!;
        z.set(draws.z.subarray(r * k, (r + 1) * k), i * k);
      }
    }
    const { xhat } = await model.decode(z, count, labelsFor(count));
    drawRows($<HTMLCanvasElement>('samples'), xhat, count, image, m.preprocess, featureCount);
    stripCodes.set('samples', { codes: z, count, source: `sample (${source})` });
    probe.lastSamples = { source, z: Array.from(z), xhat: Array.from(xhat) };
    setCode(z.subarray(0, k), `sample (${source})`);
  });

  // ---- attribute vectors
  const from = $<HTMLSelectElement>('attr-from');
  const to = $<HTMLSelectElement>('attr-to');
  const alpha = $<HTMLInputElement>('attr-alpha');
  const labels = bundle.labels;
  if (labels && m.labelNames.length >= 2) {
    m.labelNames.forEach((name, l) => {
      from.add(new Option(name, String(l)));
      to.add(new Option(name, String(l)));
    });
    to.value = '1';
    const vectors = new Map<string, Float32Array | null>();
    const vector = (): Float32Array | null => {
      const key = `${from.value}>${to.value}`;
      if (!vectors.has(key)) {
        const [a, b] = [Number(from.value), Number(to.value)];
        try {
          vectors.set(key, attributeVector(bundle.codes, n, k, (i) => labels[i] === b, (i) => labels[i] === a).vector);
        } catch {
          vectors.set(key, null); // a label with no mapped point
        }
      }
      return vectors.get(key)!;
    };
    const reset = (): void => {
      alpha.value = '0';
      $('attr-alpha-text').textContent = '0.00';
      attributeBase = null;
    };
    from.addEventListener('change', reset);
    to.addEventListener('change', reset);
    alpha.addEventListener('input', () => {
      const v = vector();
      const a = Number(alpha.value);
      $('attr-alpha-text').textContent = v ? a.toFixed(2) : 'no points with one of these labels';
      if (!v) return;
      attributeBase ??= state.z.slice();
      const z = attributeBase.map((b, d) => b + a * v[d]!);
      setCode(z, `attribute ${m.labelNames[Number(from.value)]} → ${m.labelNames[Number(to.value)]}, α ${a.toFixed(2)}`, true);
    });
  } else {
    $('attribute-row').replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'Attribute vectors need labelled data with two labels or more.' }));
  }

  // ---- drawing pad
  const pad = $<HTMLCanvasElement>('pad');
  if (image) {
    const pctx = pad.getContext('2d', { willReadFrequently: true })!;
    const clear = (): void => {
      pctx.fillStyle = '#000';
      pctx.fillRect(0, 0, pad.width, pad.height);
    };
    clear();
    let last: { x: number; y: number } | null = null;
    const at = (e: PointerEvent): { x: number; y: number } => {
      const r = pad.getBoundingClientRect();
      return { x: ((e.clientX - r.left) / r.width) * pad.width, y: ((e.clientY - r.top) / r.height) * pad.height };
    };
    pad.addEventListener('pointerdown', (e) => {
      pad.setPointerCapture(e.pointerId);
      last = at(e);
    });
    pad.addEventListener('pointermove', (e) => {
      if (!last) return;
      const p = at(e);
      pctx.strokeStyle = '#fff';
      pctx.lineWidth = pad.width / 12;
      pctx.lineCap = 'round';
      pctx.beginPath();
      pctx.moveTo(last.x, last.y);
      pctx.lineTo(p.x, p.y);
      pctx.stroke();
      last = p;
    });
    pad.addEventListener('pointerup', () => (last = null));
    $('clear').addEventListener('click', clear);
    $('encode').addEventListener('click', async () => {
      // area-average the pad down to the model's resolution, then apply the run's transforms
      const small = document.createElement('canvas');
      [small.width, small.height] = [image.width, image.height];
      const sctx = small.getContext('2d', { willReadFrequently: true })!;
      sctx.imageSmoothingEnabled = true;
      sctx.imageSmoothingQuality = 'high';
      sctx.drawImage(pad, 0, 0, image.width, image.height);
      const px = sctx.getImageData(0, 0, image.width, image.height).data;
      const hw = image.height * image.width;
      const x = new Float32Array(pixelsPerImage);
      for (let ch = 0; ch < image.channels; ch++) for (let p = 0; p < hw; p++) x[ch * hw + p] = px[4 * p + ch]! / 255;
      const pre = m.preprocess;
      for (let f = 0; f < x.length; f++) {
        if (pre.binarizeThreshold !== undefined) x[f] = x[f]! > pre.binarizeThreshold ? 1 : 0;
        if (pre.standardize) x[f] = (x[f]! - pre.standardize.mean[f]!) / pre.standardize.std[f]!;
      }
      const out = await model.encode(x, 1, labelsFor(1));
      const code = out[m.code] ?? out['z']!;
      const [mx, my] = mapPosition(code);
      markers.set('drawing', { x: mx, y: my, color: '#6a1b9a', label: identity || plane ? 'drawing' : 'drawing (nearest code)' });
      syncMarkers();
      probe.lastEncode = { x: Array.from(x), label: conditional && model.encoderTakesLabels ? state.label : null, code: Array.from(code), mapXY: [mx, my] };
      const { xhat } = await model.decode(code, 1, labelsFor(1));
      drawRows($<HTMLCanvasElement>('recon'), xhat, 1, image, m.preprocess, featureCount);
      setCode(code, 'drawing');
    });
  } else {
    $('draw-row').replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: `The drawing pad needs image data; samples of shape [${m.inputShape.join(', ')}] are not images.` }));
  }

  $('status').textContent = `${n} points · ${m.family} · ${k}-D latent · onnxruntime-web (wasm, ${crossOriginIsolated ? 'cross-origin isolated' : 'not isolated: 1 thread'})`;
  if (bundle.labels && n > 0) setLabel(bundle.labels[0]!);
  setCode(n > 0 ? bundle.codes.subarray(0, k) : m.dims.mean, n > 0 ? 'point #0' : 'mean code');
  await probe.idle();
  probe.ready = true;
}

main().catch((e: unknown) => showError(`The explorer failed: ${(e as Error).message}`));
