/** Image output: grayscale PNG encoding and image grids. */
export { encodeGrayPng, writePng } from './png.js';
export { imageGridPixels, imageGridPng, type GrayImage, type GridOptions } from './grid.js';
