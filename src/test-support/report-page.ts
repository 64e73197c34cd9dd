/**
 * Open an HTML report (from src/viz/report.ts) in real Chromium and measure what a reader
 * would see: did every image decode, does every chart have drawn marks, did the page log
 * errors or try to reach the network. Test-only; not part of the package.
 */
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

/** What {@link inspectReportPage} found. Every list is empty/positive on a healthy report. */
export interface ReportPageInspection {
  /**
   * Every `<img>`: its alt text, intrinsic width (0 = broken or not an image) and whether
   * `img.decode()` resolved. (Chromium decodes a truncated PNG partially: both still pass.)
   */
  readonly images: readonly { readonly alt: string; readonly naturalWidth: number; readonly decoded: boolean }[];
  /**
   * Every chart figure (`figure.chart`): its heading, how many mark elements its SVG draws
   * (children of vega's `.role-mark` groups) and the union bounding box of those marks in px.
   */
  readonly charts: readonly { readonly title: string; readonly marks: number; readonly width: number; readonly height: number }[];
  /** `console.error` messages and uncaught page errors. */
  readonly errors: readonly string[];
  /** Requests to anything but `file:` or `data:` URLs (a self-contained report makes none). */
  readonly externalRequests: readonly string[];
  /** The page's visible text (e.g. to check that escaped markup shows as text). */
  readonly text: string;
  /** Elements with an inline event-handler attribute (`onerror`, `onload`, …): must be none. */
  readonly inlineHandlers: number;
}

/**
 * Load `htmlPath` (a file on disk) with `file://` in a fresh page (1280×900), wait for load,
 * inspect it, and save a full-page screenshot to `screenshotPath`.
 */
export async function inspectReportPage(browser: Browser, htmlPath: string, screenshotPath: string): Promise<ReportPageInspection> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const externalRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) externalRequests.push(r.url());
  });
  try {
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    const found = await page.evaluate(async () => {
      const images = await Promise.all(
        Array.from(document.images, async (img) => ({
          alt: img.alt,
          naturalWidth: img.naturalWidth,
          decoded: await img.decode().then(
            () => true,
            () => false,
          ),
        })),
      );
      const charts = Array.from(document.querySelectorAll('figure.chart'), (fig) => {
        let marks = 0;
        let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
        for (const g of Array.from(fig.querySelectorAll('svg .role-mark'))) {
          marks += g.children.length;
          if (g.children.length === 0 || !(g instanceof SVGGraphicsElement)) continue;
          const r = g.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          [x0, y0, x1, y1] = [Math.min(x0, r.left), Math.min(y0, r.top), Math.max(x1, r.right), Math.max(y1, r.bottom)];
        }
        return {
          title: fig.querySelector('h3')?.textContent ?? '',
          marks,
          width: Number.isFinite(x0) ? x1 - x0 : 0,
          height: Number.isFinite(y0) ? y1 - y0 : 0,
        };
      });
      const inlineHandlers = Array.from(document.querySelectorAll('*')).filter((el) =>
        Array.from(el.attributes).some((a) => a.name.toLowerCase().startsWith('on')),
      ).length;
      return { images, charts, inlineHandlers, text: document.body.innerText };
    });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    return { ...found, errors, externalRequests };
  } finally {
    await page.close();
  }
}
