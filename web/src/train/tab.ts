/**
 * The explorer page's Train tab: the controls, the Web Worker that trains (worker.ts), and the
 * live views it feeds: a progress bar with samples/s, one loss curve per term, reconstructions
 * of a fixed test batch, and the latent map after each epoch. A finished (or stopped) run is
 * downloaded as a zip of its run directory (run-zip.ts), which the CLI reads.
 *
 * Bad input never costs the run already trained: a latent width that is not a positive integer,
 * a dropped file that is not a dataset, images of mixed sizes are each one message in the tab,
 * and the last finished run stays downloadable until a new one has started.
 *
 * `window.__train` exposes the tab's state for tests; the page itself never reads it.
 */
import type { ExploreImage, ExplorePreprocess } from '../../../src/workflow/explore-manifest.js';
import { labelColor } from '../palette.js';
import { drawRows } from '../pixels.js';
import { DataError, parseDroppedFiles } from './dropped-data.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { TAB_FAMILIES, type DataChoice, type FromWorker, type Rows, type TabSettings, type ToWorker } from './protocol.js';
import { zipRun } from './run-zip.js';
import { isTrainedRunPage, storedRunZip, storeTrainedRun } from './trained-run-cache.js';


const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** What tests read. */
const probe = {
  state: 'idle' as 'idle' | 'starting' | 'running' | 'paused' | 'finished' | 'stopped' | 'error',
  message: null as string | null,
  runtime: null as { threads: number; crossOriginIsolated: boolean; note: string | null } | null,
  /** Progress messages received (tests watch it stand still while paused). */
  progressCount: 0,
  lastProgress: null as { epoch: number; step: number; stepsPerEpoch: number; samplesPerSec: number; terms: Record<string, number> } | null,
  /** The training loss of every progress message, in order. */
  losses: [] as number[],
  epochs: [] as { epoch: number; train: Record<string, number>; test: Record<string, number>; samplesPerSec: number; mapMethod: string }[],
  /** Names of the run directory's files, once a run has finished or stopped. */
  files: [] as string[],
  runName: null as string | null,
  /** The dataset a drop gave (name, rows, sample shape). */
  dropped: null as { name: string; n: number; sampleShape: number[] } | null,
};
(window as unknown as { __train: typeof probe }).__train = probe;


/** Draw a flat or image row strip: images when the samples are [C, H, W] (or a square [H·W]), bars otherwise. */
function drawStrip(canvas: HTMLCanvasElement, rows: Rows): void {
  const d = rows.shape.reduce((a, b) => a * b, 1);
  let image: ExploreImage | null = null;
  if (rows.shape.length === 3 && (rows.shape[0] === 1 || rows.shape[0] === 3)) image = { channels: rows.shape[0] as 1 | 3, height: rows.shape[1]!, width: rows.shape[2]! };
  else if (rows.shape.length === 1 && Number.isInteger(Math.sqrt(d)) && d >= 16) image = { channels: 1, height: Math.sqrt(d), width: Math.sqrt(d) };
  const none: ExplorePreprocess = {};
  drawRows(canvas, rows.values, rows.n, image, none, d);
  if (image) canvas.style.height = `${Math.max(48, Math.min(96, image.height * 2))}px`;
}

/** The loss curves: one band per term, each with its own vertical range; dots are the test terms after each epoch. */
class LossChart {
  private readonly series = new Map<string, { x: number; y: number }[]>();
  private readonly tests = new Map<string, { x: number; y: number }[]>();
  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(terms: readonly string[]): void {
    this.series.clear();
    this.tests.clear();
    for (const t of terms) [this.series.set(t, []), this.tests.set(t, [])];
    const legend = $('train-loss-legend');
    legend.replaceChildren(
      ...terms.map((t, i) => {
        const s = document.createElement('span');
        s.style.setProperty('--c', labelColor(i));
        s.textContent = t;
        return s;
      }),
    );
    this.draw();
  }

  add(x: number, terms: Readonly<Record<string, number>>, test = false): void {
    for (const [t, v] of Object.entries(terms)) if (Number.isFinite(v)) (test ? this.tests : this.series).get(t)?.push({ x, y: v });
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width: w, height: h } = this.canvas;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const terms = [...this.series.keys()];
    if (terms.length === 0) return;
    const band = h / terms.length;
    const all = [...this.series.values(), ...this.tests.values()].flat();
    const xMax = Math.max(1e-9, ...all.map((p) => p.x));
    ctx.font = '11px system-ui, sans-serif';
    terms.forEach((t, i) => {
      const pts = [...this.series.get(t)!, ...this.tests.get(t)!];
      const top = i * band + 14;
      const bottom = (i + 1) * band - 4;
      ctx.strokeStyle = '#eee';
      ctx.beginPath();
      ctx.moveTo(40, bottom + 2);
      ctx.lineTo(w - 4, bottom + 2);
      ctx.stroke();
      ctx.fillStyle = '#444';
      if (pts.length === 0) return;
      // A term that stays positive is drawn on a log scale: the first steps' fall would flatten the rest.
      const log = pts.every((p) => p.y > 0);
      const f = (y: number): number => (log ? Math.log(y) : y);
      let lo = Math.min(...pts.map((p) => f(p.y)));
      let hi = Math.max(...pts.map((p) => f(p.y)));
      if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
      const X = (x: number): number => 40 + ((w - 48) * x) / xMax;
      const Y = (y: number): number => bottom - ((bottom - top) * (f(y) - lo)) / (hi - lo);
      const last = this.series.get(t)!.at(-1);
      const range = log ? [Math.exp(lo), Math.exp(hi)] : [lo, hi];
      ctx.fillText(`${t}  ${last ? last.y.toPrecision(4) : ''}  [${range[0]!.toPrecision(3)} … ${range[1]!.toPrecision(3)}]${log ? ' log' : ''}`, 44, i * band + 11);
      ctx.strokeStyle = labelColor(i);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      this.series.get(t)!.forEach((p, j) => (j === 0 ? ctx.moveTo(X(p.x), Y(p.y)) : ctx.lineTo(X(p.x), Y(p.y))));
      ctx.stroke();
      ctx.fillStyle = '#000';
      for (const p of this.tests.get(t)!) {
        ctx.beginPath();
        ctx.arc(X(p.x), Y(p.y), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
    ctx.fillStyle = '#666';
    ctx.fillText('epochs →', w - 56, h - 2);
  }
}

/** The latent map: codes' 2-D positions coloured by label. */
function drawMap(canvas: HTMLCanvasElement, xy: Float32Array, labels: Int32Array | null): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const n = xy.length / 2;
  if (n === 0) return;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) [x0, x1, y0, y1] = [Math.min(x0, xy[2 * i]!), Math.max(x1, xy[2 * i]!), Math.min(y0, xy[2 * i + 1]!), Math.max(y1, xy[2 * i + 1]!)];
  // One scale for both axes (distances keep their meaning), the points centred.
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const pad = 10;
  const s = (Math.min(w, h) - 2 * pad) / span;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = labelColor(labels ? labels[i]! : -1);
    ctx.fillRect(w / 2 + (xy[2 * i]! - cx) * s - 1.5, h / 2 - (xy[2 * i + 1]! - cy) * s - 1.5, 3, 3);
  }
}

/** A positive integer from a field, or a message naming the field. */
function positiveInt(id: string, what: string): number {
  const raw = $<HTMLInputElement>(id).value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isInteger(v) || v < 1) throw new DataError(`${what} must be a positive integer (got ${raw === '' ? 'nothing' : raw})`);
  return v;
}

/** The settings in the controls, validated; a bad one is a DataError with one line. */
function readSettings(): TabSettings {
  const latent = positiveInt('train-latent', 'latent width');
  const hiddenText = $<HTMLInputElement>('train-hidden').value.trim();
  const hidden = hiddenText === '' || hiddenText === 'none' ? [] : hiddenText.split(',').map((s) => Number(s.trim()));
  if (hidden.some((v) => !Number.isInteger(v) || v < 1)) throw new DataError(`hidden sizes must be comma-separated positive integers, e.g. 400 or 512,256 (got ${hiddenText})`);
  const lr = Number($<HTMLInputElement>('train-lr').value);
  if (!(lr > 0)) throw new DataError(`learning rate must be positive (got ${$<HTMLInputElement>('train-lr').value})`);
  const seedRaw = $<HTMLInputElement>('train-seed').value.trim();
  const seed = Number(seedRaw);
  if (seedRaw === '' || !Number.isInteger(seed) || seed < 0) throw new DataError(`seed must be a non-negative integer (got ${seedRaw === '' ? 'nothing' : seedRaw})`);
  return {
    family: $<HTMLSelectElement>('train-family').value as TabSettings['family'],
    latent,
    hidden,
    epochs: positiveInt('train-epochs', 'epochs'),
    seed,
    batchSize: positiveInt('train-batch', 'batch size'),
    lr,
  };
}

/** A run that can be downloaded: its zip, and (trained in this page view) its explorer bundle. */
interface DoneRun {
  readonly name: string;
  readonly zip: () => Uint8Array;
  readonly explore: Readonly<Record<string, Uint8Array>> | null;
}

/** Wires the Train tab. */
export function initTrainTab(): void {
  const family = $<HTMLSelectElement>('train-family');
  for (const f of TAB_FAMILIES) family.add(new Option(f, f));
  const buttons = { start: $<HTMLButtonElement>('train-start'), pause: $<HTMLButtonElement>('train-pause'), resume: $<HTMLButtonElement>('train-resume'), stop: $<HTMLButtonElement>('train-stop'), download: $<HTMLButtonElement>('train-download'), open: $<HTMLButtonElement>('train-open') };
  const chart = new LossChart($<HTMLCanvasElement>('train-loss'));
  const progressBar = $<HTMLProgressElement>('train-progress');
  const status = $('train-status');
  const message = $('train-message');
  let worker: Worker | undefined;
  let dropped: Dataset | undefined;
  /** The last finished (or stopped) run: what Download zips. Replaced only when a new run has started. */
  let finished: DoneRun | undefined;
  let run: { name: string; epochs: number; stepsPerEpoch: number } | undefined;
  /** Where the run is, as the last progress message said (for the paused and stopped lines). */
  let where = 'the start';

  const say = (text: string | null): void => {
    probe.message = text;
    message.textContent = text ?? '';
    message.hidden = text === null;
  };
  const setState = (s: typeof probe.state): void => {
    probe.state = s;
    const active = s === 'starting' || s === 'running' || s === 'paused';
    buttons.start.disabled = active;
    buttons.pause.disabled = s !== 'running';
    buttons.resume.disabled = s !== 'paused';
    buttons.stop.disabled = !active;
    buttons.download.disabled = active || !finished;
    buttons.open.disabled = active || !finished?.explore;
  };
  const send = (m: ToWorker): void => worker?.postMessage(m);

  const onMessage = (m: FromWorker): void => {
    switch (m.type) {
      case 'runtime':
        probe.runtime = { threads: m.threads, crossOriginIsolated: m.crossOriginIsolated, note: m.note };
        $('train-runtime').textContent = `onnxruntime-web, wasm on ${m.threads} thread${m.threads === 1 ? '' : 's'}${m.crossOriginIsolated ? ' (cross-origin isolated)' : ''}${m.note ? `. Note: ${m.note}` : !m.crossOriginIsolated ? '. Note: the page is not cross-origin isolated, so wasm runs on 1 thread' : ''}.`;
        break;
      case 'started':
        run = { name: m.run, epochs: m.epochs, stepsPerEpoch: m.stepsPerEpoch };
        where = 'the start';
        finished = undefined; // the new run has started: the previous one is no longer offered
        probe.files = [];
        probe.runName = m.run;
        setState('running');
        chart.reset(m.terms);
        drawStrip($<HTMLCanvasElement>('train-originals'), m.originals);
        status.textContent = `${m.family}: ${m.trainRows} train rows, ${m.testRows} test rows, ${m.stepsPerEpoch} steps per epoch`;
        $('train-map-legend').replaceChildren(
          ...(m.labelNames ?? []).map((name, l) => {
            const s = document.createElement('span');
            s.style.setProperty('--c', labelColor(l));
            s.textContent = name;
            return s;
          }),
        );
        break;
      case 'progress': {
        probe.progressCount++;
        probe.lastProgress = { epoch: m.epoch, step: m.step, stepsPerEpoch: m.stepsPerEpoch, samplesPerSec: m.samplesPerSec, terms: { ...m.terms } };
        if (m.terms['loss'] !== undefined) probe.losses.push(m.terms['loss']);
        const done = (m.epoch - 1 + m.step / m.stepsPerEpoch) / (run?.epochs ?? 1);
        progressBar.value = done;
        where = `epoch ${m.epoch}/${run?.epochs ?? '?'}, step ${m.step}/${m.stepsPerEpoch}`;
        status.textContent = `${where} · ${Math.round(m.samplesPerSec).toLocaleString('en')} samples/s · loss ${m.terms['loss']?.toFixed(3) ?? '–'}`;
        chart.add(m.epoch - 1 + m.step / m.stepsPerEpoch, m.terms);
        break;
      }
      case 'epoch':
        probe.epochs.push({ epoch: m.epoch, train: { ...m.train }, test: { ...m.test }, samplesPerSec: m.samplesPerSec, mapMethod: m.map.method });
        chart.add(m.epoch, m.test, true);
        drawStrip($<HTMLCanvasElement>('train-recon'), m.reconstructions);
        drawMap($<HTMLCanvasElement>('train-map'), m.map.xy, m.map.labels);
        $('train-map-caption').textContent = `(epoch ${m.epoch}: ${m.map.xy.length / 2} test codes${m.map.method === 'pca' ? ', PCA of the latent space' : ', the latent space itself'})`;
        $('train-loss-caption').textContent = `(lines: training batches; dots: test set after each epoch; test loss ${m.test['loss']?.toFixed(3) ?? '–'})`;
        break;
      case 'paused':
        setState('paused');
        status.textContent = `paused at ${where}`;
        break;
      case 'resumed':
        setState('running');
        break;
      case 'finished':
        if (Object.keys(m.files).length > 0) {
          const name = run?.name ?? 'run';
          const files = m.files;
          finished = { name, zip: () => zipRun(name, files), explore: m.explore };
          probe.files = Object.keys(m.files);
        }
        progressBar.value = m.stopped ? progressBar.value : 1;
        if (!m.stopped) {
          const last = probe.epochs.at(-1);
          status.textContent = `finished ${m.epochs} epoch${m.epochs === 1 ? '' : 's'}${last ? ` · last epoch ${Math.round(last.samplesPerSec).toLocaleString('en')} samples/s · test loss ${last.test['loss']?.toFixed(3) ?? '–'}` : ''}`;
        }
        else status.textContent = Object.keys(m.files).length ? `stopped at ${where}; Download gives the run (latentkit train --resume continues it)` : 'stopped before the first step';
        setState(m.stopped ? 'stopped' : 'finished');
        break;
      case 'error':
        say(`Training failed: ${m.message}${m.kept ? ' (what was trained before is kept: Download gives it)' : ''}`);
        setState('error');
        break;
    }
  };

  /** The worker, started on first use (the tab shown, or Train pressed). */
  const ensureWorker = (): void => {
    if (worker) return;
    worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    worker.onerror = (e) => {
      say(`The training worker failed: ${e.message}`);
      setState('error');
    };
    send({ type: 'warm', pageUrl: document.baseURI, threads: wantedThreads() });
  };
  warmUp = ensureWorker;

  const start = (): void => {
    say(null);
    let settings: TabSettings;
    try {
      settings = readSettings();
    } catch (e) {
      say((e as Error).message);
      return;
    }
    const useDropped = $<HTMLInputElement>('train-data-dropped').checked && dropped;
    let data: DataChoice;
    try {
      data = useDropped ? { kind: 'dropped', dataset: dropped! } : { kind: 'digits', limit: positiveInt('train-limit', 'the number of digits') };
    } catch (e) {
      say((e as Error).message);
      return;
    }
    ensureWorker();
    probe.progressCount = 0;
    probe.losses = [];
    probe.epochs = [];
    probe.lastProgress = null;
    progressBar.value = 0;
    status.textContent = 'loading the data and compiling the model…';
    setState('starting');
    send({ type: 'start', settings, data, pageUrl: document.baseURI, threads: wantedThreads() });
  };

  buttons.start.addEventListener('click', start);
  buttons.pause.addEventListener('click', () => send({ type: 'pause' }));
  buttons.resume.addEventListener('click', () => send({ type: 'resume' }));
  buttons.stop.addEventListener('click', () => send({ type: 'stop' }));
  buttons.download.addEventListener('click', () => {
    if (!finished) return;
    const zip = finished.zip();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
    a.download = `${finished.name}.zip`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  });
  buttons.open.addEventListener('click', () => {
    const done = finished;
    if (!done?.explore) return;
    buttons.open.disabled = true;
    storeTrainedRun(done.name, done.explore, done.zip())
      .then(() => location.assign(`${location.pathname}?run=trained`))
      .catch((e: unknown) => {
        say(`The run could not be opened in the explorer: ${(e as Error).message}`);
        buttons.open.disabled = false;
      });
  });

  // ---- dropped data
  const drop = $('train-drop');
  const accept = async (files: File[]): Promise<void> => {
    say(null);
    try {
      const ds = await parseDroppedFiles(files);
      dropped = ds;
      probe.dropped = { name: ds.name, n: ds.n, sampleShape: [...ds.sampleShape] };
      const radio = $<HTMLInputElement>('train-data-dropped');
      radio.disabled = false;
      radio.checked = true;
      $('train-dropped-name').textContent = `${ds.name}: ${ds.n} rows of shape [${ds.sampleShape.join(', ')}]${ds.labels ? `, ${ds.numClasses} classes` : ''} (10% become the test split)`;
    } catch (e) {
      say(e instanceof DataError ? e.message : `could not read the dropped files: ${(e as Error).message}`);
    }
  };
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void accept(Array.from(e.dataTransfer?.files ?? []));
  });
  $<HTMLInputElement>('train-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    void accept(Array.from(input.files ?? [])).finally(() => (input.value = ''));
  });

  if (isTrainedRunPage()) {
    // The run trained before the explorer opened on it: still downloadable here.
    void storedRunZip().then((stored) => {
      if (!stored || finished || probe.state !== 'idle') return;
      finished = { name: stored.name, zip: () => stored.zip, explore: null };
      probe.runName = stored.name;
      status.textContent = `${stored.name}, trained in this page, is open in the explorer; Download gives its run directory`;
      setState('idle');
    });
  }
  if (!crossOriginIsolated) $('train-runtime').textContent = 'Note: this page is not cross-origin isolated, so training runs on 1 wasm thread (serve it with `latentkit explore`, which sends the isolation headers, for more).';
  setState('idle');
}

/**
 * Wasm threads to ask for: `?threads=N`, else undefined, leaving the web back end its default,
 * onnxruntime-web's min(4, ⌈cores/2⌉): on 2 cores one thread trained 2× faster than two
 * (src/runtime/web.ts).
 */
function wantedThreads(): number | undefined {
  const asked = new URLSearchParams(location.search).get('threads');
  return asked === null ? undefined : Math.max(1, Number(asked) || 1);
}

/** Starts the training worker and its runtime (set by initTrainTab). */
let warmUp: (() => void) | undefined;

/** Shows one of the page's views: the explorer's panels or the Train tab (whose runtime then starts warming up). */
export function showTab(which: 'explore' | 'train'): void {
  if (which === 'train') warmUp?.();
  $('explore-view').hidden = which !== 'explore';
  $('train-view').hidden = which !== 'train';
  $('tab-explore').setAttribute('aria-selected', String(which === 'explore'));
  $('tab-train').setAttribute('aria-selected', String(which === 'train'));
}
