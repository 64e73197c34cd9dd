import { describe, expect, it } from 'vitest';
import { imageLayout } from './image-layout.js';

describe('imageLayout', () => {
  it('a flat perfect square is a square gray image', () => {
    expect(imageLayout([784])).toEqual({ channels: 1, height: 28, width: 28 });
    expect(imageLayout([64])).toEqual({ channels: 1, height: 8, width: 8 });
  });
  it('[H, W] and [1, H, W] are gray, [3, H, W] is RGB (CHW)', () => {
    expect(imageLayout([20, 30])).toEqual({ channels: 1, height: 20, width: 30 });
    expect(imageLayout([1, 28, 14])).toEqual({ channels: 1, height: 28, width: 14 });
    expect(imageLayout([3, 32, 16])).toEqual({ channels: 3, height: 32, width: 16 });
  });
  it('anything else is not an image', () => {
    for (const shape of [[10], [1], [783], [], [2, 28, 28], [28, 28, 3], [1, 1, 28, 28], [0, 5], [3, 2.5, 4]]) {
      expect(imageLayout(shape), JSON.stringify(shape)).toBeNull();
    }
  });
});
