/**
 * `attributeRun`: an attribute vector v = mean code of the test samples with the attribute −
 * mean code of the contrast group (samples without it, or those matching `without`), added in
 * steps of α to chosen samples' codes and decoded (see latent/attribute.ts).
 *
 * Attributes are `label=c` on labelled data, or `NAME[=value]` columns of a CSV of per-sample
 * binary attributes (`attributes`, CelebA-style: a header of attribute names, one row per test
 * sample in split order, as `latentkit embed` lists them; values 1/0 or 1/−1).
 *
 * Measured: when the attribute is a class (`label=c`), the share of edited contrast samples
 * that a 5-NN classifier on the training pixels reads as c, for every α — it rises with α
 * when the vector carries the class.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import { applyAttribute, attributeVector } from '../latent/attribute.js';
import { gatherRows } from '../latent/code-stats.js';
import { pixelReader } from '../latent/faithfulness.js';
import { Rng } from '../nn/rng.js';
import { checkIndex, encodeSplit, openLatent, requireImages, type LatentOptions, type SplitCodes } from './latent-context.js';
import { writeGrid } from './pictures.js';

export interface AttributeRunOptions extends LatentOptions {
  /** The attribute, e.g. `label=7` or `Smiling`. */
  readonly with: string;
  /** The contrast group (default: every sample without the attribute). */
  readonly without?: string;
  /** CSV of per-sample binary attributes of the test split. */
  readonly attributes?: string;
  /** Test samples to edit in the picture (default: the first 8 of the contrast group). */
  readonly applyTo?: readonly number[];
  /** α values (default −2 … 2 in 9 steps). */
  readonly alphas?: readonly number[];
  /** Contrast samples edited for the measurement (default 200). */
  readonly measure?: number;
  readonly seed?: number;
  /** PNG path; default `<run>/attribute.png`. */
  readonly out?: string;
}

export interface AttributeSummary {
  readonly model: string;
  readonly run: string;
  readonly with: string;
  readonly without: string;
  readonly with_count: number;
  readonly without_count: number;
  readonly alphas: number[];
  /** Share of edited samples read as the target class per α (class attributes only). */
  readonly target_share?: number[];
  readonly target_class?: number;
  readonly applied_to: number[];
  readonly out: string;
}

type Predicate = (i: number) => boolean;

interface AttributeTable {
  readonly names: string[];
  readonly rows: string[][];
}

function readAttributeTable(path: string, n: number): AttributeTable {
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    throw new UsageError(`--attributes ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (records.length < 2) throw new UsageError(`--attributes ${path}: needs a header row and one row per test sample`);
  const [names, ...rows] = records as [string[], ...string[][]];
  if (rows.length !== n) throw new UsageError(`--attributes ${path}: ${rows.length} rows, but the test split has ${n} samples (one row per sample, in split order)`);
  return { names, rows };
}

/** A predicate over test rows for `label=c` or `NAME[=value]`. */
function predicateFor(spec: string, flag: string, codes: SplitCodes, table: AttributeTable | undefined): { test: Predicate; targetClass?: number } {
  const m = /^\s*([^=]+?)\s*(?:=\s*(.+?)\s*)?$/.exec(spec);
  if (!m) throw new UsageError(`${flag} must look like label=7 or NAME[=value] (got ${JSON.stringify(spec)})`);
  const name = m[1]!;
  const value = m[2];
  if (name === 'label' && !table?.names.includes('label')) {
    const labels = codes.data.labels;
    if (!labels) throw new UsageError(`${flag} ${spec}: ${codes.data.name} has no labels; give per-sample attributes with --attributes file.csv`);
    const c = Number(value);
    if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${flag} ${spec}: label needs a class id, e.g. label=7`);
    return { test: (i) => labels[i] === c, targetClass: c };
  }
  if (!table) throw new UsageError(`${flag} ${spec}: attribute "${name}" needs --attributes file.csv (only label=c works without one)`);
  const col = table.names.indexOf(name);
  if (col < 0) throw new UsageError(`${flag} ${spec}: no attribute column "${name}" (columns: ${table.names.slice(0, 10).join(', ')}${table.names.length > 10 ? ', …' : ''})`);
  const want = value ?? '1';
  return { test: (i) => table.rows[i]![col] === want };
}

export async function attributeRun(opts: AttributeRunOptions): Promise<AttributeSummary> {
  const alphas = opts.alphas ?? Array.from({ length: 9 }, (_, s) => -2 + s * 0.5);
  if (alphas.length < 2 || alphas.some((a) => !Number.isFinite(a))) throw new UsageError('--alpha needs at least two finite values');
  const measure = opts.measure ?? 200;
  const ctx = await openLatent(opts);
  try {
    const layout = requireImages(ctx, 'attribute');
    const codes = await encodeSplit(ctx, 'test');
    const table = opts.attributes !== undefined ? readAttributeTable(opts.attributes, codes.n) : undefined;
    const withAttr = predicateFor(opts.with, '--with', codes, table);
    const withoutAttr = opts.without !== undefined ? predicateFor(opts.without, '--without', codes, table).test : (i: number) => !withAttr.test(i);
    const count = (p: Predicate): number => Array.from({ length: codes.n }, (_, i) => i).filter(p).length;
    if (count(withAttr.test) === 0) throw new UsageError(`--with ${opts.with}: no test sample has this attribute`);
    if (count(withoutAttr) === 0) throw new UsageError(`--without ${opts.without ?? `(not ${opts.with})`}: no test sample is in the contrast group`);
    opts.applyTo?.forEach((i) => checkIndex('--apply-to', i, codes));
    const { vector, withCount, withoutCount } = attributeVector(codes.z, codes.n, codes.k, withAttr.test, withoutAttr);
    const contrast = Int32Array.from({ length: codes.n }, (_, i) => i).filter((i) => withoutAttr(i));
    const applied = opts.applyTo ? [...opts.applyTo] : [...contrast.subarray(0, 8)];
    const labelsOf = (idx: ArrayLike<number>): Int32Array | undefined => (ctx.run.model.numClasses > 0 ? Int32Array.from({ length: idx.length * alphas.length }, (_, j) => codes.data.labels![idx[Math.floor(j / alphas.length)]!]!) : undefined);
    const edited = applyAttribute(gatherRows(codes.z, codes.k, applied), applied.length, vector, alphas);
    const images = await ctx.codec.decode(edited, applied.length * alphas.length, labelsOf(applied));

    let targetShare: number[] | undefined;
    if (withAttr.targetClass !== undefined && ctx.data.train.labels) {
      const rng = new Rng(`${opts.seed ?? 0}:attribute`);
      const perm = rng.permutation(contrast.length);
      const picked = Array.from(perm.subarray(0, Math.min(measure, contrast.length)), (p) => contrast[p]!);
      const reader = await pixelReader(ctx.data.train, { runtime: ctx.runtime });
      try {
        const many = applyAttribute(gatherRows(codes.z, codes.k, picked), picked.length, vector, alphas);
        const decoded = await ctx.codec.decode(many, picked.length * alphas.length, labelsOf(picked));
        const read = await reader.predict(decoded, picked.length * alphas.length);
        targetShare = alphas.map((_, s) => picked.filter((_, i) => read[i * alphas.length + s] === withAttr.targetClass).length / picked.length);
      } finally {
        await reader.release();
      }
    }
    const out = opts.out ?? join(opts.dir, 'attribute.png');
    writeGrid(out, images, applied.length * alphas.length, layout, { cols: alphas.length });
    return {
      model: ctx.run.model.family,
      run: opts.dir,
      with: opts.with,
      without: opts.without ?? `not ${opts.with}`,
      with_count: withCount,
      without_count: withoutCount,
      alphas: [...alphas],
      ...(targetShare && { target_share: targetShare, target_class: withAttr.targetClass! }),
      applied_to: applied,
      out,
    };
  } finally {
    await ctx.release();
  }
}
