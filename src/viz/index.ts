/** Image output (PNG grids), Vega-Lite charts (specs → SVG/PNG) and the self-contained HTML report. */
export { encodeGrayPng, encodeRgbPng, writePng } from './png.js';
export { imageGridPixels, imageGridPng, type GrayImage, type GridImage, type GridOptions } from './grid.js';
export { imageLayout, type ImageLayout } from './image-layout.js';
export { renderSvg, svgToPng, type SvgToPngOptions, type VegaLiteSpec } from './vega.js';
export {
  accuracyBarsSpec,
  curveSpec,
  latentScatterSpec,
  lossCurvesSpec,
  pngDataUrl,
  thumbnailScatterSpec,
  type AccuracyRow,
  type CurveInput,
  type LatentScatterInput,
  type LossRow,
  type ThumbnailScatterInput,
} from './charts.js';
export { escapeHtml, formatNumber, renderReportHtml, type Report, type ReportBlock, type ReportSection } from './report.js';
