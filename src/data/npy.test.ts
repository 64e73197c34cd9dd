import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { loadNpy, parseNpyHeader } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'latentkit-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Hand-build a .npy file the way numpy does: header dict padded with spaces + '\n' to a multiple of 64. */
function npy(descr: string, shape: number[], data: Uint8Array, opts: { fortran?: boolean; version?: 1 | 2 } = {}): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + dict.length + data.length);
  out.set([0x93, ...Buffer.from('NUMPY'), version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, dict.length, true);
  else dv.setUint32(8, dict.length, true);
  out.set(Buffer.from(dict, 'latin1'), pre);
  out.set(data, pre + dict.length);
  return out;
}

function put(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('loadNpy', () => {
  it('reads <f4 of shape (3, 2, 2) with sampleShape [2, 2] and exact values', () => {
    const vals = Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);
    const p = put('f4.npy', npy('<f4', [3, 2, 2], bytesOf(new Float32Array(vals))));
    const ds = loadNpy(p);
    expect(ds.n).toBe(3);
    expect(ds.sampleShape).toEqual([2, 2]);
    expect(Array.from(ds.x)).toEqual(vals);
    expect(ds.name).toBe(p);
  });

  it('reads <f8 (rounded to float32), |u1 scaled by /255, <i8 as-is, and a format 2.0 header', () => {
    const f8 = loadNpy(put('f8.npy', npy('<f8', [2, 1], bytesOf(new Float64Array([0.1, 1e10])))));
    expect(Array.from(f8.x)).toEqual([Math.fround(0.1), Math.fround(1e10)]);
    const u1 = loadNpy(put('u1.npy', npy('|u1', [1, 3], new Uint8Array([0, 51, 255]))));
    expect(Array.from(u1.x)).toEqual([0, Math.fround(0.2), 1]);
    const i8 = loadNpy(put('i8.npy', npy('<i8', [2], bytesOf(new BigInt64Array([-5n, 7n])))));
    expect(i8.sampleShape).toEqual([1]);
    expect(Array.from(i8.x)).toEqual([-5, 7]);
    const v2 = loadNpy(put('v2.npy', npy('<f4', [1, 2], bytesOf(new Float32Array([3, 4])), { version: 2 })));
    expect(Array.from(v2.x)).toEqual([3, 4]);
  });

  it('reads big-endian >f4', () => {
    const data = new Uint8Array(8);
    const dv = new DataView(data.buffer);
    dv.setFloat32(0, 1.5, false);
    dv.setFloat32(4, -2, false);
    expect(Array.from(loadNpy(put('be.npy', npy('>f4', [2, 1], data))).x)).toEqual([1.5, -2]);
  });

  it('parses the header dict fields and the data offset (header padded to a multiple of 64)', () => {
    const h = parseNpyHeader(npy('<f4', [5, 7], new Uint8Array(140)), 'mem');
    expect(h).toEqual({ descr: '<f4', fortranOrder: false, shape: [5, 7], dataOffset: 128 });
  });

  it('reads a file written by numpy itself (np.save(np.arange(6, dtype="<f4").reshape(3, 2) / 4))', () => {
    const b64 =
      'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=';
    const ds = loadNpy(put('numpy.npy', Buffer.from(b64, 'base64')));
    expect(ds.n).toBe(3);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  it('rejects Fortran order, unsupported dtypes, bad magic, size mismatches and NaN with DataError', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['fortran.npy', npy('<f4', [1, 2], new Uint8Array(8), { fortran: true }), /Fortran-order arrays are not supported/],
      ['c8.npy', npy('<c8', [1, 1], new Uint8Array(8)), /unsupported \.npy dtype "<c8"/],
      ['newline.npy', npy('<f\n4', [1, 1], new Uint8Array(4)), /unsupported \.npy dtype "<f\\n4" \(supported: [^\n]*\)$/],
      ['magic.npy', new Uint8Array(20), /not a \.npy file/],
      ['short.npy', npy('<f4', [2, 2], new Uint8Array(12)), /needs 16 data bytes, file has 12 \(truncated\)/],
      ['long.npy', npy('<f4', [1, 2], new Uint8Array(12)), /needs 8 data bytes, file has 12$/],
      ['nan.npy', npy('<f4', [2, 2], bytesOf(new Float32Array([0, 1, 2, NaN]))), /non-finite value NaN at row 1, column 1/],
      ['zero.npy', npy('<f4', [0, 3], new Uint8Array(0)), /no data rows/],
    ];
    for (const [name, bytes, re] of cases) {
      const p = put(name, bytes);
      let caught: unknown;
      try {
        loadNpy(p);
      } catch (err) {
        caught = err;
      }
      expect(caught, name).toBeInstanceOf(DataError);
      expect((caught as Error).message, name).toContain(p);
      expect((caught as Error).message, name).toMatch(re);
    }
  });
});
