/**
 * Loads the run's bundle (written by src/workflow/explore-bundle.ts) from `run/` beside the
 * page: the manifest and its binary arrays (little-endian, row-major, see explore-manifest.ts).
 */
import type { ExploreManifest } from '../../src/workflow/explore-manifest.js';
import { fetchTrainedFile, isTrainedRunPage, TRAINED_RUN_DIR } from './train/trained-run-cache.js';

export interface Bundle {
  readonly manifest: ExploreManifest;
  /** count × latentDim. */
  readonly codes: Float32Array;
  /** count × 2. */
  readonly xy: Float32Array;
  readonly labels: Int32Array | null;
  /** count × H × W × C display bytes, or null for non-image data. */
  readonly thumbs: Uint8Array | null;
  readonly priorDraws: { readonly z: Float32Array; readonly labels: Int32Array | null } | null;
  /** One object per epoch from metrics.jsonl. */
  readonly metrics: readonly Record<string, unknown>[];
}

/** The server's `run/`, or with `?run=trained` the run trained in this page's Train tab (kept in Cache Storage, train/trained-run-cache.ts). */
export const BUNDLE_URL = new URL(isTrainedRunPage() ? TRAINED_RUN_DIR : 'run/', document.baseURI);

/** Thrown when a bundle file cannot be fetched; the message names the file and the HTTP status. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

export async function fetchBytes(file: string): Promise<ArrayBuffer> {
  const url = new URL(file, BUNDLE_URL);
  let res: Response;
  try {
    res = isTrainedRunPage() ? await fetchTrainedFile(url) : await fetch(url);
  } catch (e) {
    throw new BundleError(`${file} could not be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new BundleError(`${file} is missing (HTTP ${res.status} ${res.statusText})`);
  return res.arrayBuffer();
}

function checkLength(file: string, got: number, want: number): void {
  if (got !== want) throw new BundleError(`${file} holds ${got} values, the manifest says ${want}`);
}

export async function loadManifest(): Promise<ExploreManifest> {
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes('manifest.json'))) as ExploreManifest;
  if (manifest.format !== 'latentkit-explore/1') throw new BundleError(`manifest.json has format ${String(manifest.format)}; this page reads latentkit-explore/1`);
  return manifest;
}

/** The manifest's arrays and metrics (fetched in parallel). */
export async function loadBundle(manifest: ExploreManifest): Promise<Bundle> {
  const { points, latentDim: k, image } = manifest;
  const n = points.count;
  const [codes, xy, labels, thumbs, metricsText] = await Promise.all([
    fetchBytes(points.codes).then((b) => new Float32Array(b)),
    fetchBytes(points.xy).then((b) => new Float32Array(b)),
    points.labels ? fetchBytes(points.labels).then((b) => new Int32Array(b)) : null,
    points.thumbnails ? fetchBytes(points.thumbnails).then((b) => new Uint8Array(b)) : null,
    fetchBytes(manifest.metrics).then((b) => new TextDecoder().decode(b)),
  ]);
  checkLength(points.codes, codes.length, n * k);
  checkLength(points.xy, xy.length, n * 2);
  if (labels && points.labels) checkLength(points.labels, labels.length, n);
  if (thumbs && image && points.thumbnails) checkLength(points.thumbnails, thumbs.length, n * image.channels * image.height * image.width);
  let priorDraws: Bundle['priorDraws'] = null;
  if (manifest.prior.kind === 'draws') {
    const p = manifest.prior;
    const z = new Float32Array(await fetchBytes(p.file));
    checkLength(p.file, z.length, p.count * k);
    const pl = p.labels ? new Int32Array(await fetchBytes(p.labels)) : null;
    priorDraws = { z, labels: pl };
  }
  const metrics = metricsText
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { manifest, codes, xy, labels, thumbs, priorDraws, metrics };
}
