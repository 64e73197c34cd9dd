import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKSUM_METADATA_KEY,
  CorruptFileError,
  decodeSafetensors,
  encodeSafetensors,
  MissingFileError,
  readSafetensorsFile,
  SHA256_METADATA_KEY,
  writeSafetensorsFile,
} from './safetensors.js';

const SRC = 'runs/x/checkpoint.safetensors';

/** Hand-build a safetensors file from an arbitrary header object and data bytes (no checksum added). */
function build(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function headerOf(bytes: Uint8Array): { len: number; json: Record<string, unknown> } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { len, json: JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')) as Record<string, unknown> };
}

/** `bytes` with the header text passed through `edit` (same length, so offsets stay valid). */
function editHeader(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  const { len } = headerOf(bytes);
  const text = edit(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8'));
  expect(Buffer.byteLength(text)).toBe(len);
  const out = bytes.slice();
  out.set(Buffer.from(text, 'utf8'), 8);
  return out;
}

async function expectCorrupt(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await decodeSafetensors(bytes, SRC);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptFileError);
  const msg = (caught as Error).message;
  expect(msg).toContain(SRC);
  expect(msg).not.toContain('\n');
  expect(msg).toMatch(pattern);
}

describe('encodeSafetensors / decodeSafetensors', () => {
  const tensors = {
    'z.bias': { data: new Float32Array([0.5, -0, NaN, Infinity]), shape: [4] },
    'a.weight': { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] },
    scalar: { data: new Float32Array([3.25]), shape: [] },
    empty: { data: new Float32Array(0), shape: [0, 5] },
  };

  it('round-trips values bit-exactly (incl. -0, NaN, Inf), shapes and metadata', async () => {
    const bytes = await encodeSafetensors(tensors, { step: '12', note: 'hi' });
    const out = await decodeSafetensors(bytes, SRC);
    expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(out.tensors[name]!.shape).toEqual(t.shape);
      expect(Array.from(out.tensors[name]!.data).every((v, i) => Object.is(v, t.data[i]))).toBe(true);
      expect(out.tensors[name]!.data.length).toBe(t.data.length);
    }
    expect(out.metadata.step).toBe('12');
    expect(out.metadata.note).toBe('hi');
  });

  it('writes the standard layout: u64 LE length, space-padded JSON (N % 8 == 0), sorted contiguous F32 offsets', async () => {
    const bytes = await encodeSafetensors(tensors);
    const { len, json } = headerOf(bytes);
    expect(len % 8).toBe(0);
    expect(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')).toMatch(/^\{.*\} *$/);
    const names = Object.keys(json).filter((k) => k !== '__metadata__');
    const entries = names.map((n) => ({ n, ...(json[n] as { dtype: string; data_offsets: [number, number] }) }));
    entries.sort((a, b) => a.data_offsets[0] - b.data_offsets[0]);
    expect(entries.map((e) => e.n)).toEqual(['a.weight', 'empty', 'scalar', 'z.bias']);
    expect(entries.map((e) => e.data_offsets)).toEqual([
      [0, 24],
      [24, 24],
      [24, 28],
      [28, 44],
    ]);
    expect(entries.every((e) => e.dtype === 'F32')).toBe(true);
    expect(bytes.length).toBe(8 + len + 44);
    // data is little-endian float32: a.weight[0] = 1.0 = 00 00 80 3f
    expect([...bytes.subarray(8 + len, 8 + len + 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('records the file checksum: sha256 of u64le(|c|) ‖ c ‖ data, c = canonical JSON of sorted metadata and tensor table', async () => {
    const bytes = await encodeSafetensors({ b: { data: new Float32Array([1, 2]), shape: [2] }, a: { data: new Float32Array([3]), shape: [1, 1] } }, { z: '1', a: '2' });
    const { len, json } = headerOf(bytes);
    const canonical = Buffer.from(JSON.stringify([[['a', '2'], ['z', '1']], [['a', 'F32', [1, 1], [0, 4]], ['b', 'F32', [2], [4, 12]]]]));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(canonical.length));
    const expected = createHash('sha256').update(length).update(canonical).update(bytes.subarray(8 + len)).digest('hex');
    expect((json.__metadata__ as Record<string, string>)[CHECKSUM_METADATA_KEY]).toBe(`sha256:${expected}`);
    const out = await decodeSafetensors(bytes, SRC);
    expect(out.checksum).toBe('file');
    expect(out.metadata, 'the checksum entry is not returned as metadata').toEqual({ z: '1', a: '2' });
  });

  it('the checksum does not depend on the order of header keys or metadata entries', async () => {
    const bytes = await encodeSafetensors({ a: { data: new Float32Array([1]), shape: [1] }, b: { data: new Float32Array([2]), shape: [1] } }, { x: '1', y: '2' });
    const { json } = headerOf(bytes);
    const meta = json.__metadata__ as Record<string, string>;
    // Same entries, keys in reverse order (the JSON has the same length, so the padding still fits).
    const reordered = { b: json.b, a: json.a, __metadata__: { [CHECKSUM_METADATA_KEY]: meta[CHECKSUM_METADATA_KEY], y: '2', x: '1' } };
    const out = await decodeSafetensors(editHeader(bytes, (t) => JSON.stringify(reordered).padEnd(t.length, ' ')), SRC);
    expect(out.metadata).toEqual({ x: '1', y: '2' });
    expect(Array.from(out.tensors.b!.data)).toEqual([2]);
  });

  it('refuses caller metadata under the checksum keys', async () => {
    await expect(encodeSafetensors(tensors, { [CHECKSUM_METADATA_KEY]: 'sha256:00' })).rejects.toThrow(/reserved for the checksum/);
    await expect(encodeSafetensors(tensors, { [SHA256_METADATA_KEY]: 'bogus' })).rejects.toThrow(/reserved for the checksum/);
  });

  it('decodes a file that starts at an odd byte offset into fresh aligned copies, not views', async () => {
    const bytes = await encodeSafetensors({ w: { data: new Float32Array([1, 2, 3]), shape: [3] } });
    const big = new Uint8Array(bytes.length + 1);
    big.set(bytes, 1);
    const view = big.subarray(1);
    const out = await decodeSafetensors(view, SRC);
    const w = out.tensors.w!.data;
    expect(Array.from(w)).toEqual([1, 2, 3]);
    expect(w.buffer).not.toBe(big.buffer);
    expect(w.byteOffset).toBe(0);
    big.fill(0);
    expect(Array.from(w)).toEqual([1, 2, 3]);
  });

  it('reads a file of the earlier layout, whose sha256 covers the data only, and says so', async () => {
    const data = f32bytes([7, 8]);
    const sha = createHash('sha256').update(data).digest('hex');
    const bytes = build({ __metadata__: { note: 'old', sha256: sha }, w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data);
    const out = await decodeSafetensors(bytes, SRC);
    expect(Array.from(out.tensors.w!.data)).toEqual([7, 8]);
    expect(out.metadata).toEqual({ note: 'old' });
    expect(out.checksum).toBe('data');
    const flipped = bytes.slice();
    flipped[flipped.length - 1]! ^= 0x01;
    await expectCorrupt(flipped, /failed its checksum: sha256 of data is [0-9a-f]{64}, metadata says/);
  });

  it('rejects invalid input to the encoder', async () => {
    await expect(encodeSafetensors({ w: { data: new Float32Array(3), shape: [2, 2] } })).rejects.toThrow(/shape \[2, 2\]/);
    await expect(encodeSafetensors({ w: { data: new Float32Array(2), shape: [2.5] } })).rejects.toThrow(/invalid shape/);
    await expect(encodeSafetensors({ __metadata__: { data: new Float32Array(1), shape: [1] } })).rejects.toThrow(/invalid tensor name/);
  });
});

describe('decodeSafetensors corruption → CorruptFileError naming the file', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    good = await encodeSafetensors({
      a: { data: new Float32Array([1, 2]), shape: [2] },
      b: { data: new Float32Array([3, 4, 5]), shape: [3] },
    });
  });
  const two = f32bytes([1, 2, 3, 4]);

  it('file shorter than 8 bytes', async () => {
    await expectCorrupt(good.subarray(0, 5), /is truncated: 5 bytes/);
    await expectCorrupt(new Uint8Array(0), /is truncated: 0 bytes/);
  });

  it('absurd header length', async () => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
    await expectCorrupt(b, /absurd header length/);
  });

  it('zero header length', async () => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, 0n, true);
    await expectCorrupt(b, /empty header/);
  });

  it('header length beyond the end of the file', async () => {
    await expectCorrupt(good.subarray(0, 20), /is truncated: header says \d+ bytes of JSON header/);
  });

  it('bad JSON', async () => {
    await expectCorrupt(build(null, two, '{"a": {"dtype": "F32",'), /not valid JSON/);
  });

  it('JSON that is not an object', async () => {
    await expectCorrupt(build([1, 2], two), /not a JSON object/);
  });

  it('bad or unsupported dtype', async () => {
    await expectCorrupt(build({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, two.subarray(0, 4)), /unsupported dtype "F16"/);
    await expectCorrupt(build({ a: { dtype: 7, shape: [4], data_offsets: [0, 16] } }, two), /unsupported dtype 7/);
  });

  it('invalid shape', async () => {
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, two), /invalid shape/);
    await expectCorrupt(build({ a: { dtype: 'F32', shape: '4', data_offsets: [0, 16] } }, two), /invalid shape/);
  });

  it('malformed data_offsets', async () => {
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [4], data_offsets: [0] } }, two), /invalid data_offsets/);
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, two), /ending before they begin/);
  });

  it('offsets that do not match shape * 4', async () => {
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, two), /span 16 bytes but shape \[3\] needs 12/);
  });

  it('offsets out of range (past the end of the data)', async () => {
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [4], data_offsets: [4, 20] } }, two), /is truncated: header says 20 bytes of data, file has 16/);
  });

  it('overlapping tensors', async () => {
    const h = {
      a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    };
    await expectCorrupt(build(h, two), /overlapping tensors 'a' and 'b'/);
  });

  it('a gap between tensors', async () => {
    const h = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    };
    await expectCorrupt(build(h, two), /gap of 4 bytes before tensor 'b'/);
  });

  it('truncated file (data section cut short)', async () => {
    await expectCorrupt(good.subarray(0, good.length - 3), /is truncated: header says 20 bytes of data, file has 17$/);
  });

  it('trailing garbage after the data', async () => {
    const b = new Uint8Array(good.length + 4);
    b.set(good);
    await expectCorrupt(b, /4 unexpected trailing bytes/);
  });

  it('checksum mismatch (one flipped data bit)', async () => {
    const b = good.slice();
    b[b.length - 1]! ^= 0x01;
    await expectCorrupt(b, /failed its checksum: sha256 of metadata, tensor table and data is [0-9a-f]{64}, metadata says [0-9a-f]{64}$/);
  });

  it('checksum mismatch after an edit of metadata or the tensor table (data untouched)', async () => {
    const withMeta = await encodeSafetensors({ a: { data: new Float32Array([1, 2]), shape: [2] }, b: { data: new Float32Array([3, 4]), shape: [2] } }, { epoch: '3' });
    await expectCorrupt(editHeader(withMeta, (t) => t.replace('"epoch":"3"', '"epoch":"4"')), /failed its checksum/);
    await expectCorrupt(editHeader(withMeta, (t) => t.replace('"epoch":"3"', '"epocg":"3"')), /failed its checksum/);
    // Tensor names swapped: offsets and shapes stay valid, only the table changed.
    await expectCorrupt(editHeader(withMeta, (t) => t.replace('"a":', '"c":').replace('"b":', '"a":').replace('"c":', '"b":')), /failed its checksum/);
    const shaped = await encodeSafetensors({ a: { data: new Float32Array(6), shape: [2, 3] } });
    await expectCorrupt(editHeader(shaped, (t) => t.replace('[2,3]', '[3,2]')), /failed its checksum/);
  });

  it('no checksum: one bit flipped in the name of the checksum key and one in the data', async () => {
    const b = editHeader(good, (t) => t.replace(`"${CHECKSUM_METADATA_KEY}"`, `"${CHECKSUM_METADATA_KEY.replace('c', 'b')}"`));
    expect(b.filter((x, i) => x !== good[i]).length, 'exactly one header byte differs').toBe(1);
    b[b.length - 1]! ^= 0x40;
    await expectCorrupt(b, /has no checksum \(metadata key 'checksum' is missing\)/);
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, two), /has no checksum/);
  });

  it('a malformed checksum value', async () => {
    await expectCorrupt(editHeader(good, (t) => t.replace('"sha256:', '"sha257:')), /malformed checksum "sha257:[0-9a-f]+" \(expected sha256:<64 lowercase hex digits>\)/);
  });

  it('non-string metadata values and non-UTF-8 headers', async () => {
    await expectCorrupt(build({ __metadata__: { step: 3 }, a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, two), /non-string __metadata__/);
    const b = build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, two);
    b[9] = 0xff;
    await expectCorrupt(b, /not valid UTF-8/);
  });

  it('unknown fields in a tensor entry', async () => {
    await expectCorrupt(build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16], extra: 1 } }, two), /unknown field 'extra'/);
  });
});

describe('readSafetensorsFile / writeSafetensorsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latentkit-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through disk atomically (no temp files left)', async () => {
    const p = join(dir, 'ckpt.safetensors');
    await writeSafetensorsFile(p, { w: { data: new Float32Array([1.5, -2]), shape: [1, 2] } }, { epoch: '3' });
    const out = await readSafetensorsFile(p);
    expect(Array.from(out.tensors.w!.data)).toEqual([1.5, -2]);
    expect(out.tensors.w!.shape).toEqual([1, 2]);
    expect(out.metadata).toEqual({ epoch: '3' });
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });

  it('reports a truncated file on disk with its path', async () => {
    const p = join(dir, 'cut.safetensors');
    await writeSafetensorsFile(p, { w: { data: new Float32Array(10), shape: [10] } });
    const bytes = readFileSync(p);
    writeFileSync(p, bytes.subarray(0, bytes.length - 8));
    await expect(readSafetensorsFile(p)).rejects.toThrow(CorruptFileError);
    await expect(readSafetensorsFile(p)).rejects.toThrow(`checkpoint ${p} is truncated: header says 40 bytes of data, file has 32`);
  });

  it('a folder or a FIFO at the path is one CorruptFileError line, not EISDIR or a hang', async () => {
    const folder = join(dir, 'folder.safetensors');
    mkdirSync(folder);
    await expect(readSafetensorsFile(folder)).rejects.toThrow(CorruptFileError);
    await expect(readSafetensorsFile(folder)).rejects.toThrow(`checkpoint ${folder} is a folder, not a file`);
    const fifo = join(dir, 'fifo.safetensors');
    execFileSync('mkfifo', [fifo]);
    await expect(readSafetensorsFile(fifo)).rejects.toThrow(`checkpoint ${fifo} is not a regular file`);
  });

  it('throws MissingFileError naming a missing file', async () => {
    const p = join(dir, 'missing.safetensors');
    await expect(readSafetensorsFile(p)).rejects.toThrow(MissingFileError);
    await expect(readSafetensorsFile(p)).rejects.toThrow(`checkpoint file not found: ${p}`);
  });
});
