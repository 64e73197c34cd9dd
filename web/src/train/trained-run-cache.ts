/**
 * A run trained in the Train tab, opened in the explorer's views: its explorer bundle
 * (explore-files.ts) and its run zip are put in Cache Storage under `trained-run/…` beside the
 * page, and the page reloads as `?run=trained`, where bundle.ts reads the bundle from there
 * instead of the server's `run/`. The Train tab of that page offers the zip for download again.
 * Cache Storage needs a secure context (https, or http on 127.0.0.1 / localhost).
 */
const CACHE = 'latentkit-trained-run';
export const TRAINED_RUN_DIR = 'trained-run/';
const ZIP = 'run.zip';

/** Whether this page shows the run trained in the page (`?run=trained`). */
export function isTrainedRunPage(): boolean {
  return new URLSearchParams(location.search).get('run') === 'trained';
}

const urlOf = (file: string): string => new URL(`${TRAINED_RUN_DIR}${file}`, document.baseURI).href;

/** Replaces the stored trained run with this one. */
export async function storeTrainedRun(name: string, bundle: Readonly<Record<string, Uint8Array>>, zip: Uint8Array): Promise<void> {
  if (typeof caches === 'undefined') throw new Error('this page is not in a secure context (https, or http on 127.0.0.1), so it cannot keep the trained run for the explorer; download the run and run `latentkit explore` on it');
  await caches.delete(CACHE);
  const cache = await caches.open(CACHE);
  const put = (file: string, bytes: Uint8Array, type = 'application/octet-stream'): Promise<void> => cache.put(urlOf(file), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': type, 'X-Run-Name': encodeURIComponent(name) } }));
  await Promise.all([...Object.entries(bundle).map(([f, b]) => put(f, b)), put(ZIP, zip, 'application/zip')]);
}

/** A stored file of the trained run, as a fetch would answer it (404 when it is not there). */
export async function fetchTrainedFile(url: string | URL): Promise<Response> {
  const hit = typeof caches === 'undefined' ? undefined : await (await caches.open(CACHE)).match(String(url));
  return hit ?? new Response(null, { status: 404, statusText: 'Not Found (no run trained in this page is stored)' });
}

/** The stored run's zip and name, if any. */
export async function storedRunZip(): Promise<{ name: string; zip: Uint8Array } | null> {
  const res = await fetchTrainedFile(urlOf(ZIP));
  if (!res.ok) return null;
  return { name: decodeURIComponent(res.headers.get('X-Run-Name') ?? 'run'), zip: new Uint8Array(await res.arrayBuffer()) };
}
