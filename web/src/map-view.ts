/**
 * The 2-D map of the codes on a canvas, drawn by hand into one ImageData (a Uint32Array view
 * of its pixels): each point is a square of `POINT_PX` CSS pixels in its label's colour. For
 * 70k points that is ~0.6M pixel writes per frame, a few ms, so panning (drag) and zooming
 * (wheel, about the cursor) redraw the whole map on every animation frame; a double click fits
 * the map back into view. Markers (hovered,
 * selected, A/B, the drawing, the current code) are drawn over it with the 2-D context.
 *
 * View transform (device pixels): sx = x·scale + tx, sy = ty − y·scale (y up).
 */
import { labelColor, packRgba } from './palette.js';

const POINT_PX = 2.5;
const BACKGROUND = packRgba('#ffffff');
/** Pointer travel (CSS px) below which a press is a click, not a drag. */
const CLICK_SLOP = 4;

export interface Marker {
  readonly x: number;
  readonly y: number;
  readonly color: string;
  readonly label: string;
}

export class MapView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly colors: Uint32Array;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private dpr = 1;
  private pending = false;
  private drag: { x: number; y: number; moved: number } | null = null;
  hovered = -1;
  selected = -1;
  markers: Marker[] = [];
  /** Milliseconds per full redraw, most recent last (kept ≤ 600). */
  readonly renderTimes: number[] = [];
  onHover: (i: number, clientX: number, clientY: number) => void = () => {};
  onPick: (i: number) => void = () => {};
  onEmptyClick: (x: number, y: number) => void = () => {};

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly xy: Float32Array,
    labels: Int32Array | null,
  ) {
    this.ctx = canvas.getContext('2d')!;
    const n = xy.length / 2;
    const palette = new Map<number, number>();
    this.colors = Uint32Array.from({ length: n }, (_, i) => {
      const l = labels ? labels[i]! : -1;
      let c = palette.get(l);
      if (c === undefined) palette.set(l, (c = packRgba(labelColor(l), 230)));
      return c;
    });
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    this.fit();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drag = { x: e.clientX, y: e.clientY, moved: 0 };
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.drag) {
        const dx = e.clientX - this.drag.x;
        const dy = e.clientY - this.drag.y;
        this.drag = { x: e.clientX, y: e.clientY, moved: this.drag.moved + Math.hypot(dx, dy) };
        if (this.drag.moved >= CLICK_SLOP) this.panBy(dx, dy);
        return;
      }
      this.hoverAt(e.clientX, e.clientY);
    });
    canvas.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (d && d.moved < CLICK_SLOP) this.clickAt(e.clientX, e.clientY);
    });
    canvas.addEventListener('pointerleave', () => {
      if (this.hovered !== -1) {
        this.hovered = -1;
        this.onHover(-1, 0, 0);
        this.requestRender();
      }
    });
    canvas.addEventListener('dblclick', () => this.fit());
    canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = canvas.getBoundingClientRect();
        this.zoomAt((e.clientX - r.left) * this.dpr, (e.clientY - r.top) * this.dpr, Math.exp(-e.deltaY * 0.0015));
      },
      { passive: false },
    );
  }

  get count(): number {
    return this.xy.length / 2;
  }

  private resize(): void {
    this.dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * this.dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * this.dpr));
    if (this.image && this.canvas.width === w && this.canvas.height === h) return;
    const [oldW, oldH] = [this.canvas.width, this.canvas.height];
    this.canvas.width = w;
    this.canvas.height = h;
    this.image = this.ctx.createImageData(w, h);
    this.pixels = new Uint32Array(this.image.data.buffer);
    // keep the centre in place
    this.tx += (w - oldW) / 2;
    this.ty += (h - oldH) / 2;
    this.requestRender();
  }

  /** Fits the points' bounding box (with a 5% margin) into the canvas. */
  fit(): void {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < this.count; i++) {
      const x = this.xy[2 * i]!;
      const y = this.xy[2 * i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [-1, -1, 1, 1];
    const spanX = Math.max(x1 - x0, 1e-6);
    const spanY = Math.max(y1 - y0, 1e-6);
    const { width: w, height: h } = this.canvas;
    this.scale = 0.9 * Math.min(w / spanX, h / spanY);
    this.tx = w / 2 - ((x0 + x1) / 2) * this.scale;
    this.ty = h / 2 + ((y0 + y1) / 2) * this.scale;
    this.requestRender();
  }

  panBy(dxCss: number, dyCss: number): void {
    this.tx += dxCss * this.dpr;
    this.ty += dyCss * this.dpr;
    this.requestRender();
  }

  zoomAt(sx: number, sy: number, factor: number): void {
    this.tx = sx - (sx - this.tx) * factor;
    this.ty = sy - (sy - this.ty) * factor;
    this.scale *= factor;
    this.requestRender();
  }

  /** Map coordinates → CSS pixels relative to the canvas's top-left corner. */
  toCss(x: number, y: number): { x: number; y: number } {
    return { x: (x * this.scale + this.tx) / this.dpr, y: (this.ty - y * this.scale) / this.dpr };
  }

  /** CSS pixels relative to the canvas → map coordinates. */
  fromCss(cx: number, cy: number): { x: number; y: number } {
    return { x: (cx * this.dpr - this.tx) / this.scale, y: (this.ty - cy * this.dpr) / this.scale };
  }

  /** Point i in client (viewport) coordinates. */
  pointClient(i: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const p = this.toCss(this.xy[2 * i]!, this.xy[2 * i + 1]!);
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** The point nearest to a client position within `radius` CSS px, or −1. */
  nearest(clientX: number, clientY: number, radius = 6): number {
    const r = this.canvas.getBoundingClientRect();
    const px = (clientX - r.left) * this.dpr;
    const py = (clientY - r.top) * this.dpr;
    let best = -1;
    let bestD = (radius * this.dpr) ** 2;
    const { scale: s, tx, ty, xy } = this;
    for (let i = 0; i < this.count; i++) {
      const dx = xy[2 * i]! * s + tx - px;
      const dy = ty - xy[2 * i + 1]! * s - py;
      const d = dx * dx + dy * dy;
      if (d < bestD) [best, bestD] = [i, d];
    }
    return best;
  }

  private hoverAt(clientX: number, clientY: number): void {
    const i = this.nearest(clientX, clientY);
    if (i !== this.hovered) {
      this.hovered = i;
      this.requestRender();
    }
    this.onHover(i, clientX, clientY);
  }

  private clickAt(clientX: number, clientY: number): void {
    const i = this.nearest(clientX, clientY);
    if (i >= 0) {
      this.selected = i;
      this.requestRender();
      this.onPick(i);
      return;
    }
    const r = this.canvas.getBoundingClientRect();
    const p = this.fromCss(clientX - r.left, clientY - r.top);
    this.onEmptyClick(p.x, p.y);
  }

  requestRender(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  /** Redraws everything now; returns the time it took (ms). */
  render(): number {
    const t0 = performance.now();
    const px = this.pixels!;
    const w = this.canvas.width;
    const h = this.canvas.height;
    px.fill(BACKGROUND);
    const size = Math.max(1, Math.round(POINT_PX * this.dpr));
    const half = size >> 1;
    const { scale: s, tx, ty, xy, colors } = this;
    for (let i = 0, n = this.count; i < n; i++) {
      const x0 = Math.round(xy[2 * i]! * s + tx) - half;
      const y0 = Math.round(ty - xy[2 * i + 1]! * s) - half;
      if (x0 < 0 || y0 < 0 || x0 + size > w || y0 + size > h) continue;
      const c = colors[i]!;
      for (let dy = 0; dy < size; dy++) {
        const row = (y0 + dy) * w + x0;
        for (let dx = 0; dx < size; dx++) px[row + dx] = c;
      }
    }
    this.ctx.putImageData(this.image!, 0, 0);
    this.drawOverlay();
    const ms = performance.now() - t0;
    this.renderTimes.push(ms);
    if (this.renderTimes.length > 600) this.renderTimes.shift();
    return ms;
  }

  private ring(i: number, color: string, r: number): void {
    const p = this.toCss(this.xy[2 * i]!, this.xy[2 * i + 1]!);
    this.circle(p.x, p.y, r, color);
  }

  private circle(cx: number, cy: number, r: number, color: string): void {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.arc(cx * this.dpr, cy * this.dpr, r * this.dpr, 0, 2 * Math.PI);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * this.dpr;
    ctx.stroke();
  }

  private drawOverlay(): void {
    const ctx = this.ctx;
    if (this.selected >= 0) this.ring(this.selected, '#000', 7);
    if (this.hovered >= 0) this.ring(this.hovered, '#d32f2f', 6);
    ctx.font = `${12 * this.dpr}px system-ui, sans-serif`;
    for (const m of this.markers) {
      const p = this.toCss(m.x, m.y);
      this.circle(p.x, p.y, 9, m.color);
      ctx.fillStyle = m.color;
      ctx.fillText(m.label, (p.x + 11) * this.dpr, (p.y - 8) * this.dpr);
    }
  }

  /**
   * Pans by (dx, dy) CSS px per frame for `frames` animation frames, redrawing each frame (the
   * first half one way, the second half back, so the map ends where it started); resolves with
   * the redraw times and the intervals between frames (ms).
   */
  async benchPan(frames: number, dx = 3, dy = 1): Promise<{ render: number[]; interval: number[] }> {
    const render: number[] = [];
    const interval: number[] = [];
    let last = await new Promise<number>((r) => requestAnimationFrame(r));
    for (let f = 0; f < frames; f++) {
      const sign = f < frames / 2 ? 1 : -1;
      this.tx += sign * dx * this.dpr;
      this.ty += sign * dy * this.dpr;
      render.push(this.render());
      const now = await new Promise<number>((r) => requestAnimationFrame(r));
      interval.push(now - last);
      last = now;
    }
    return { render, interval };
  }
}
