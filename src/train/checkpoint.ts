/**
 * Checkpoints as bytes (portable: Node and the browser write and read the same ones). One file,
 * `checkpoint.safetensors`, holds every state tensor (parameters under their own names,
 * optimizer state under `optim.*`) and, in its metadata, the trainer's progress (epoch, step,
 * generator states). `state.json` mirrors the progress for humans and tools; the safetensors
 * metadata is what `resume` trusts. Writing and reading the files (atomically, so a checkpoint
 * is complete or absent) is workflow/checkpoint-file.ts.
 *
 * Metadata (all strings): `format` = {@link CHECKPOINT_FORMAT}, `family` (a registered model
 * family), `progress` (JSON of {@link trainerProgressSchema}) and the file checksum, which
 * covers the metadata, the tensor table and the data (persist/safetensors). Loading checks the
 * checksum, then the schema. Format 1 (written by latentkit ≤ 0.1.0) had a data-only checksum;
 * it is still read, provided that checksum is present and its metadata passes the same schema.
 */
import { z } from 'zod';
import { MODEL_FAMILIES } from '../models/registry.js';
import type { RngState } from '../nn/rng.js';
import { CorruptFileError, decodeSafetensors, encodeSafetensors, type ChecksumScope, type TensorF32 } from '../persist/safetensors-codec.js';
import type { TrainerProgress } from './trainer.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const STATE_FILE = 'state.json';
/** The format this version writes. */
export const CHECKPOINT_FORMAT = 'latentkit-checkpoint/2';
/** The formats this version reads, with the checksum scope each must carry. */
const READABLE_FORMATS: Readonly<Record<string, ChecksumScope>> = { 'latentkit-checkpoint/1': 'data', [CHECKPOINT_FORMAT]: 'file' };

/** Alea's multiplier: its carry `c` = ⌊2091639·s0 + c·2⁻³²⌋ stays in [0, 2091639). */
const ALEA_MULTIPLIER = 2091639;
const TWO_POW_32 = 2 ** 32;
/** A fraction of Alea's state: a multiple of 2⁻³² in [0, 1) (seeding and every step keep it so). */
const aleaFraction = z.number().min(0).lt(1).refine((s) => Number.isInteger(s * TWO_POW_32), 'not a multiple of 2^-32, so no Alea generator can be in this state');

/**
 * A seedrandom Alea state as {@link RngState} serialises it: carry `c` an integer in
 * [0, 2091639), fractions `s0, s1, s2` multiples of 2⁻³² in [0, 1) (see seedrandom/lib/alea.js),
 * not all zero with c = 0 (that state only ever yields 0).
 */
export const rngStateSchema = z
  .strictObject({ c: z.number().int().min(0).lt(ALEA_MULTIPLIER), s0: aleaFraction, s1: aleaFraction, s2: aleaFraction })
  .refine((s) => s.c !== 0 || s.s0 !== 0 || s.s1 !== 0 || s.s2 !== 0, 'an all-zero generator state (it would only draw zeros)');

/**
 * The trainer's position as a checkpoint stores it: completed epochs, optimizer steps taken
 * in total, and the data (shuffling) and noise generators. A strict z.object: fields for new
 * kinds of progress are added here (or with `.extend`), and unknown fields are refused.
 * {@link consistentProgressSchema} adds the cross-field checks to whatever this holds.
 */
export const trainerProgressSchema = z.strictObject({
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  rng: z.strictObject({ data: rngStateSchema, noise: rngStateSchema }),
  /** A mid-epoch checkpoint: how far into epoch `epoch + 1` (`rng.data` is then that epoch's starting state). */
  inEpoch: z
    .strictObject({
      step: z.number().int().min(1),
      rows: z.number().int().min(1),
      sums: z.record(z.string(), z.number()),
      /** Streamed data: the reader's window plan, the window and offset of the next row, the window key (a draw in [0, 1)). */
      stream: z
        .strictObject({
          blockRows: z.number().int().min(1),
          windowBlocks: z.number().int().min(1),
          window: z.number().int().min(0),
          offset: z.number().int().min(0),
          key: z.number().min(0).lt(1),
        })
        .optional(),
    })
    .optional(),
});

/**
 * {@link trainerProgressSchema} plus consistency: every completed epoch took at least one
 * step (an epoch has ⌈n / batch⌉ ≥ 1 steps), so `step ≥ epoch`; in particular epoch 0 of a
 * fresh run has step 0 unless it stopped mid-epoch.
 */
const consistentProgressSchema = trainerProgressSchema
  .refine((p) => p.step >= p.epoch, { message: 'fewer steps than completed epochs', path: ['step'] })
  .refine((p) => p.inEpoch === undefined || p.step >= p.epoch + p.inEpoch.step, { message: 'fewer steps than completed epochs plus the steps into this one', path: ['inEpoch', 'step'] });

// The schema and the trainer's type describe the same value.
const _progressMatchesTrainer: (p: z.infer<typeof trainerProgressSchema>) => TrainerProgress = (p) => p;
const _rngMatches: (s: RngState) => z.infer<typeof rngStateSchema> = (s) => s;
void _progressMatchesTrainer;
void _rngMatches;

const familyName = z.string().refine((f) => MODEL_FAMILIES.has(f), `not a model family (known: ${[...MODEL_FAMILIES.keys()].join(', ')})`);

/** The checkpoint's metadata after the checksum entry is removed: exactly these keys. */
const checkpointMetadataSchema = z.strictObject({
  format: z.string(),
  family: familyName,
  progress: z.string(),
});

/**
 * The bytes of `checkpoint.safetensors` for a state snapshot (`PingPongBuffers.snapshot()`),
 * the trainer's progress and the model family. The progress is checked against the schema
 * first, so a checkpoint that {@link decodeCheckpoint} would refuse is never made (a failure
 * here is a bug, not a user error).
 */
export async function encodeCheckpoint(tensors: Readonly<Record<string, TensorF32>>, progress: TrainerProgress, family: string): Promise<Uint8Array> {
  const checked = consistentProgressSchema.safeParse(progress);
  if (!checked.success) throw new Error(`encodeCheckpoint: the trainer's progress does not fit the checkpoint schema: ${describeIssue(checked.error, progress)}`);
  return encodeSafetensors({ ...tensors }, { format: CHECKPOINT_FORMAT, family, progress: JSON.stringify(progress) });
}

/** The text of `state.json`, the readable mirror of a checkpoint's progress. */
export function stateMirrorText(progress: TrainerProgress): string {
  return `${JSON.stringify({ ...progress, checkpoint: CHECKPOINT_FILE }, null, 2)}\n`;
}

export interface LoadedCheckpoint {
  readonly tensors: Record<string, { data: Float32Array; shape: number[] }>;
  readonly progress: TrainerProgress;
  readonly family: string;
}

export interface LoadCheckpointOptions {
  /** The family the run's config names; a checkpoint of another family is refused. */
  readonly family?: string;
}

/**
 * Decodes and validates checkpoint bytes: structure and checksum (persist/safetensors-codec),
 * then a readable format with the checksum scope it requires, then the metadata schema, then
 * (if given) the expected family. Every failure is a one-line {@link CorruptFileError} naming
 * `path` (the file, or another label of where the bytes came from).
 */
export async function decodeCheckpoint(bytes: Uint8Array, path: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const { tensors, metadata, checksum } = await decodeSafetensors(bytes, path);
  const format = metadata['format'];
  const scope = format === undefined ? undefined : READABLE_FORMATS[format];
  if (scope === undefined) {
    throw new CorruptFileError(path, `is not a latentkit checkpoint this version reads (format ${format === undefined ? 'missing' : JSON.stringify(format.slice(0, 80))}; reads ${Object.keys(READABLE_FORMATS).join(', ')})`);
  }
  if (scope !== checksum) throw new CorruptFileError(path, `has a ${checksum === 'data' ? 'data-only' : 'whole-file'} checksum, but format ${format} requires a ${scope === 'data' ? 'data-only' : 'whole-file'} one`);
  const meta = checkpointMetadataSchema.safeParse(metadata);
  if (!meta.success) throw new CorruptFileError(path, `has invalid metadata: ${describeIssue(meta.error, metadata)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(meta.data.progress);
  } catch {
    throw new CorruptFileError(path, 'has unreadable progress metadata (not JSON)');
  }
  const progress = consistentProgressSchema.safeParse(raw);
  if (!progress.success) throw new CorruptFileError(path, `has invalid progress metadata: ${describeIssue(progress.error, raw)}`);
  if (options.family !== undefined && meta.data.family !== options.family) {
    throw new CorruptFileError(path, `holds a model of family ${meta.data.family}, but the run's config.json says ${options.family}`);
  }
  return { tensors, progress: progress.data, family: meta.data.family };
}

/** `epoch: Too small: expected number to be >=0 (got -5)`: the first issue, its path and the offending value when it is a scalar. */
function describeIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0]!;
  let value: unknown = input;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const got = value === undefined || (typeof value === 'object' && value !== null) ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
  return `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}${got}`;
}

/**
 * Copies checkpoint tensors into a state store. With `paramsOnly`, optimizer state may be
 * absent (loading a model for inference); otherwise every tensor must be present.
 */
export function restoreState(state: { specs: readonly { name: string; shape: readonly number[] }[]; set(name: string, d: Float32Array): void }, ckpt: LoadedCheckpoint, source: string): void {
  for (const spec of state.specs) {
    const t = ckpt.tensors[spec.name];
    if (!t) throw new CorruptFileError(source, `does not match the model: tensor ${spec.name} is missing`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new CorruptFileError(source, `does not match the model: ${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
    }
    state.set(spec.name, t.data);
  }
}
