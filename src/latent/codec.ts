/**
 * Encode/decode programs for a model, compiled once and fed from a parameter source
 * (the trainer's live state store or parameters loaded from a run). Batches are cut to
 * `batchSize` rows so memory stays flat for any number of samples.
 */
import { Graph, type Value } from '../graph/graph.js';
import type { AutoencoderModel } from '../models/types.js';
import { UsageError } from '../errors.js';
import { Builder, fillNoise, type NoiseSpec } from '../nn/builder.js';
import type { Rng } from '../nn/rng.js';
import { emitModel } from '../onnx/emit.js';
import { Program, type RuntimeBackend, type RuntimeOptions, type Tensor } from '../runtime/program.js';

/**
 * Anything that can supply the current parameter tensors by name, and the model state the
 * eval-mode graphs read (batch norm's running statistics, used in place of batch statistics).
 */
export interface ParamSource {
  feeds(): Readonly<Record<string, Tensor>>;
}

/** A single-sided store of named tensors (parameters loaded for inference). */
export class TensorStore implements ParamSource {
  private readonly map: Record<string, Tensor> = {};
  readonly specs: { name: string; shape: readonly number[] }[] = [];
  constructor(
    specs: readonly { name: string; shape: readonly number[] }[],
    /** Makes the tensors (of the back end whose sessions read them). */
    backend: RuntimeBackend,
  ) {
    for (const s of specs) {
      this.specs.push(s);
      this.map[s.name] = backend.float32(new Float32Array(s.shape.reduce((a, b) => a * b, 1)), s.shape);
    }
  }
  set(name: string, data: Float32Array): void {
    (this.map[name]!.data as Float32Array).set(data);
  }
  get(name: string): Float32Array {
    return this.map[name]!.data as Float32Array;
  }
  feeds(): Readonly<Record<string, Tensor>> {
    return this.map;
  }
}

export class Codec {
  private constructor(
    readonly model: AutoencoderModel,
    private readonly params: ParamSource,
    private readonly encoder: Program,
    private readonly decoder: Program,
    readonly codeNames: readonly string[],
    readonly batchSize: number,
    private readonly runtime: RuntimeOptions,
  ) {}

  /** The prior-sampling program, compiled on first use. */
  private prior: Promise<{ program: Program; noises: readonly NoiseSpec[] }> | undefined;

  /** Builds and compiles the encoder (x → codes) and decoder (z → x̂) graphs. */
  static async compile(model: AutoencoderModel, params: ParamSource, runtime: RuntimeOptions, batchSize = 500): Promise<Codec> {
    const { encode, decode } = buildCodecGraphs(model);
    const [enc, dec] = await Promise.all([Program.compile(`${model.family}.encode`, encode, runtime), Program.compile(`${model.family}.decode`, decode, runtime)]);
    return new Codec(model, params, enc, dec, Object.keys(encode), batchSize, runtime);
  }

  private get inputSize(): number {
    return this.model.inputShape.reduce((a, b) => a * b, 1);
  }

  private labelFeed(labels: Int32Array | undefined, start: number, count: number): Record<string, Tensor> {
    const c = this.model.numClasses;
    if (c === 0) return {};
    if (!labels) throw new UsageError(`model ${this.model.family} is conditional: labels are required`);
    const y = new Float32Array(count * c);
    for (let i = 0; i < count; i++) {
      const l = labels[start + i]!;
      if (!(Number.isInteger(l) && l >= 0 && l < c)) throw new RangeError(`model ${this.model.family}: label ${l} is outside [0, ${c})`);
      y[i * c + l] = 1;
    }
    return { y: this.encoder.tensor(y, [count, c]) };
  }

  /** Codes of `n` rows of x (row-major, n × inputSize): each code name → n × dim values. */
  async encode(x: Float32Array, n: number, labels?: Int32Array): Promise<Record<string, Float32Array>> {
    const d = this.inputSize;
    if (x.length !== n * d) throw new RangeError(`encode: expected ${n * d} values for ${n} samples, got ${x.length}`);
    const parts: Record<string, Float32Array[]> = {};
    for (let s = 0; s < n; s += this.batchSize) {
      const count = Math.min(this.batchSize, n - s);
      const feeds = { ...this.params.feeds(), ...this.labelFeed(labels, s, count), x: this.encoder.tensor(x.subarray(s * d, (s + count) * d), [count, ...this.model.inputShape]) };
      const out = await this.encoder.run(feeds);
      for (const k of this.codeNames) (parts[k] ??= []).push(out[k]!.data as Float32Array);
    }
    const result: Record<string, Float32Array> = {};
    for (const k of this.codeNames) result[k] = concatArrays(parts[k] ?? []);
    return result;
  }

  /** Decoded means x̂ for `n` codes z (n × latent) → n × inputSize values in data space. */
  async decode(z: Float32Array, n: number, labels?: Int32Array): Promise<Float32Array> {
    const k = this.model.latentDim;
    if (z.length !== n * k) throw new RangeError(`decode: expected ${n * k} values for ${n} codes, got ${z.length}`);
    const parts: Float32Array[] = [];
    for (let s = 0; s < n; s += this.batchSize) {
      const count = Math.min(this.batchSize, n - s);
      const feeds = { ...this.params.feeds(), ...this.labelFeed(labels, s, count), z: this.decoder.tensor(z.subarray(s * k, (s + count) * k), [count, k]) };
      parts.push((await this.decoder.run(feeds))['xhat']!.data as Float32Array);
    }
    return concatArrays(parts);
  }

  /** Reconstructions decode(encode(x).z). */
  async reconstruct(x: Float32Array, n: number, labels?: Int32Array): Promise<Float32Array> {
    return this.decode((await this.encode(x, n, labels))['z']!, n, labels);
  }

  /**
   * `n` codes z ~ p(z) (n × latent), drawn by the model's own `samplePrior` graph from noise
   * filled by `rng` (N(0, I) for the VAE and AE, a mixture or a uniform for an AAE). Labels
   * (one per code) select the class of a conditional model; a conditional prior draws each
   * code from its class's component.
   */
  async samplePrior(n: number, rng: Rng, labels?: Int32Array): Promise<Float32Array> {
    if (this.model.numClasses > 0 && !labels) throw new UsageError(`model ${this.model.family} is conditional: labels are required`);
    if (labels && labels.length < n) throw new RangeError(`samplePrior: ${labels.length} labels for ${n} codes`);
    const { program, noises } = await (this.prior ??= compilePrior(this.model, this.runtime));
    const parts: Float32Array[] = [];
    for (let s = 0; s < n; s += this.batchSize) {
      const count = Math.min(this.batchSize, n - s);
      const batchLabels = labels?.subarray(s, s + count) ?? null;
      const feeds: Record<string, Tensor> = {};
      for (const spec of noises) {
        const buf = new Float32Array(count * spec.shape.reduce((a, b) => a * b, 1));
        fillNoise(spec, rng, buf, count, batchLabels);
        feeds[spec.name] = program.tensor(buf, [count, ...spec.shape]);
      }
      parts.push((await program.run({ ...this.params.feeds(), ...feeds }))['z']!.data as Float32Array);
    }
    return concatArrays(parts);
  }

  /** `n` samples decoded from codes drawn from the model's prior (see `samplePrior`). */
  async sample(n: number, rng: Rng, labels?: Int32Array): Promise<Float32Array> {
    return this.decode(await this.samplePrior(n, rng, labels), n, labels);
  }

  async release(): Promise<void> {
    const prior = this.prior ? [this.prior.then((p) => p.program.release())] : [];
    await Promise.all([this.encoder.release(), this.decoder.release(), ...prior]);
  }
}

/** The encoder graph (x → every code) and decoder graph (z → xhat) of a model, as used by `export` too. */
export function buildCodecGraphs(model: AutoencoderModel): { encode: Record<string, Value>; decode: Record<string, Value> } {
  const ge = new Graph();
  const be = new Builder(ge, 'eval');
  const x = ge.input('x', ['B', ...model.inputShape]);
  const ye = model.numClasses > 0 ? ge.input('y', ['B', model.numClasses]) : undefined;
  const codes = model.encode(be, x, ye);
  const gd = new Graph();
  const bd = new Builder(gd, 'eval');
  const z = gd.input('z', ['B', model.latentDim]);
  const yd = model.numClasses > 0 ? gd.input('y', ['B', model.numClasses]) : undefined;
  return { encode: { ...codes }, decode: { xhat: model.decode(bd, z, yd) } };
}

/**
 * `encoder.onnx` and `decoder.onnx` of a model (graphs of {@link buildCodecGraphs}) with the
 * weights and model state of `bake` as initializers and `latentkit` version metadata: what
 * `latentkit export` writes and what the Train tab hands the explorer.
 */
export function emitCodecModels(model: AutoencoderModel, bake: ReadonlyMap<string, Float32Array>, version: string): { encoder: Uint8Array; decoder: Uint8Array; graphs: ReturnType<typeof buildCodecGraphs> } {
  const graphs = buildCodecGraphs(model);
  const metadata = { latentkit: version, family: model.family };
  return {
    encoder: emitModel(graphs.encode, { name: `${model.family}.encoder`, bake, metadata }),
    decoder: emitModel(graphs.decode, { name: `${model.family}.decoder`, bake, metadata }),
    graphs,
  };
}

/** The model's prior as a graph: noise inputs (filled per batch) → z [B, latent]. */
export function buildPriorGraph(model: AutoencoderModel): { z: Value; noises: readonly NoiseSpec[] } {
  const b = new Builder(new Graph(), 'eval');
  const z = model.samplePrior(b);
  return { z, noises: [...b.noises.values()].map((n) => n.spec) };
}

async function compilePrior(model: AutoencoderModel, runtime: RuntimeOptions): Promise<{ program: Program; noises: readonly NoiseSpec[] }> {
  const { z, noises } = buildPriorGraph(model);
  return { program: await Program.compile(`${model.family}.prior`, { z }, runtime), noises };
}

function concatArrays(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
