/**
 * A model family as one descriptor: what `src/models/<family>/family.ts` exports and the
 * registry lists. The folder holds everything about the family: `config.ts` (schema, defaults
 * and the CLI flags it takes, as plain data), `model.ts`, and its procedure when it has one.
 *
 * A config is validated once, at the boundary (CLI flags or a loaded config.json), by
 * `family.schema` / `family.parse`; the result carries the `FamilyConfig` brand, and `create`
 * and the procedure take it as it is, without parsing it again.
 */
import { z } from 'zod';
import type { AutoencoderModel, FamilyProcedure, Params, ProcedureContext, TermValues } from './types.js';

/**
 * One CLI flag of a family, as data (models/ does not import cli/): `cli/model-flags.ts` turns
 * it into a commander option whose parser is chosen by `type`:
 *   number: any decimal · positiveNumber · nonNegativeNumber · int: a positive integer ·
 *   intList: comma-separated positive integers (`none` = []) · enum: one of `choices` · boolean: a switch.
 */
export interface FlagSpec {
  /** Commander syntax, e.g. `--beta <x>` or `--tied`. */
  readonly flag: string;
  /** The config key it sets, e.g. `beta`. */
  readonly key: string;
  readonly help: string;
  readonly type: 'number' | 'positiveNumber' | 'nonNegativeNumber' | 'int' | 'intList' | 'enum' | 'boolean';
  /** The allowed values of an `enum` flag. */
  readonly choices?: readonly string[];
}

/** A family config that passed its family's schema: only `ModelFamily.schema`/`parse` make one. */
export type FamilyConfig = Readonly<{ family: string }> & z.$brand<'FamilyConfig'>;

/** A family's schema as the boundary uses it: validation whose output carries the brand. */
export interface FamilySchema {
  parse(raw: unknown): FamilyConfig;
  safeParse(raw: unknown): z.ZodSafeParseResult<FamilyConfig>;
}

export interface ModelFamily {
  readonly name: string;
  readonly summary: string;
  /** The family's schema (defaults filled, cross-field checks), its output branded as validated. */
  readonly schema: FamilySchema;
  /** The CLI flags the family takes (shared flags included). */
  readonly flags: readonly FlagSpec[];
  /** Validates a raw config (CLI flags or a saved config.json): `schema.parse`. */
  parse(raw: unknown): FamilyConfig;
  /** Builds the model of a validated config (no second validation). */
  create(config: FamilyConfig): AutoencoderModel;
  /** Whether a raw config of this family reads labels (then `numClasses` is set from the data). */
  needsLabels(raw: Readonly<Record<string, unknown>>): boolean;
  /**
   * Whether the family trains its codes towards a prior p(z) it can sample from (VAEs through
   * the KL term, adversarial AEs through the discriminator). Plain, denoising, sparse,
   * contractive and stacked AEs have none: N(0, I) draws mean nothing to their decoders.
   */
  readonly hasPrior: boolean;
  /**
   * Whether the model reads samples as [C, H, W] images (conv families): its `inputShape` is
   * the data's image shape; other families get the flat [C·H·W].
   */
  readonly imageInput: boolean;
  /** Fills fields that a config saved by an earlier version lacks with the values it trained with. */
  upgradeSaved(raw: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The family's training procedure around the main training, if it has one. */
  readonly procedure?: FamilyProcedure<FamilyConfig>;
}

/** What a family folder declares; `C` is its validated config type. */
export interface FamilySpec<C extends { readonly family: string }> {
  readonly name: string;
  readonly summary: string;
  readonly schema: z.ZodType<C>;
  readonly flags: readonly FlagSpec[];
  create(config: C): AutoencoderModel;
  needsLabels?(raw: Readonly<Record<string, unknown>>): boolean;
  readonly hasPrior?: boolean;
  readonly imageInput?: boolean;
  upgradeSaved?(raw: Readonly<Record<string, unknown>>): Record<string, unknown>;
  readonly procedure?: FamilyProcedure<C>;
}

/**
 * The descriptor of a family folder. The typed `create` and procedure receive the config that
 * this family's schema produced: the brand says it passed a schema, and the family name is
 * checked, so the one narrowing to `C` below never sees another family's config.
 */
export function defineFamily<C extends { readonly family: string }>(spec: FamilySpec<C>): ModelFamily {
  const schema = spec.schema.brand<'FamilyConfig'>();
  const typed = (config: FamilyConfig): C => {
    if (config.family !== spec.name) throw new TypeError(`a ${config.family} config given to the ${spec.name} family`);
    return config as unknown as C;
  };
  const { procedure } = spec;
  return {
    name: spec.name,
    summary: spec.summary,
    schema: { parse: (raw) => schema.parse(raw), safeParse: (raw) => schema.safeParse(raw) },
    flags: spec.flags,
    parse: (raw) => schema.parse(raw),
    create: (config) => spec.create(typed(config)),
    needsLabels: (raw) => spec.needsLabels?.(raw) ?? false,
    hasPrior: spec.hasPrior ?? false,
    imageInput: spec.imageInput ?? false,
    upgradeSaved: (raw) => spec.upgradeSaved?.(raw) ?? { ...raw },
    ...(procedure && {
      procedure: {
        ...(procedure.pretrain && { pretrain: (config: FamilyConfig, ctx: ProcedureContext): Promise<Params> => procedure.pretrain!(typed(config), ctx) }),
        ...(procedure.afterTraining && {
          afterTraining: (config: FamilyConfig, ctx: ProcedureContext & { readonly params: Params }): Promise<TermValues> => procedure.afterTraining!(typed(config), ctx),
        }),
      },
    }),
  };
}
