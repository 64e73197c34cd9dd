/**
 * Model flags of `latentkit train`, built from the families' own flag declarations
 * (`ModelFamily.flags`, models/<family>/config.ts): each maps to one key of a family's config.
 * A flag several families take appears once in --help, naming those families unless every
 * family takes it. Flags the user gives are copied into the raw config (the family's schema
 * validates them later); a flag the chosen family does not take is refused at once:
 * `--rho does not apply to --model ae`.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { FlagSpec, ModelFamily } from '../models/registry.js';
import { decimal, nonNegativeNumber, oneOf, positiveInt, positiveIntList, positiveNumber } from './flags.js';

/** One CLI flag with the families that take it. */
export interface ModelFlag extends FlagSpec {
  readonly families: readonly string[];
}

/** The commander parser of a flag type (none for a boolean switch). */
function parserOf(f: FlagSpec): ((v: string) => unknown) | undefined {
  switch (f.type) {
    case 'number': return decimal;
    case 'positiveNumber': return positiveNumber;
    case 'nonNegativeNumber': return nonNegativeNumber;
    case 'int': return positiveInt;
    case 'intList': return positiveIntList;
    case 'enum': return oneOf(f.choices ?? []);
    case 'boolean': return undefined;
  }
}

const same = (a: FlagSpec, b: FlagSpec): boolean => a.key === b.key && a.type === b.type && a.help === b.help && (a.choices ?? []).join() === (b.choices ?? []).join();

/**
 * Every family's flags, once each, in first-declared order. Two families declaring the same
 * flag must declare it alike (share the object, e.g. from models/common/flags.ts).
 */
export function collectModelFlags(families: Iterable<ModelFamily>): ModelFlag[] {
  const byFlag = new Map<string, { spec: FlagSpec; families: string[] }>();
  for (const family of families) {
    for (const spec of family.flags) {
      const seen = byFlag.get(spec.flag);
      if (!seen) byFlag.set(spec.flag, { spec, families: [family.name] });
      else if (!same(seen.spec, spec)) throw new Error(`flag ${spec.flag} is declared differently by ${seen.families[0]} and ${family.name}`);
      else if (!seen.families.includes(family.name)) seen.families.push(family.name);
    }
  }
  return [...byFlag.values()].map(({ spec, families }) => ({ ...spec, families }));
}

/** Adds the model flags of `families` to `cmd`. */
export function addModelFlags(cmd: Command, families: ReadonlyMap<string, ModelFamily>): Command {
  for (const f of collectModelFlags(families.values())) {
    const help = f.families.length === families.size ? f.help : `${f.help} [--model ${f.families.join(', ')}]`;
    const o = new Option(f.flag, help);
    const parse = parserOf(f);
    if (parse) o.argParser(parse);
    cmd.addOption(o);
  }
  return cmd;
}

/** The commander attribute name of a flag, e.g. `--code-activation <name>` → `codeActivation`. */
function attributeOf(flag: string): string {
  return flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const nameOf = (flag: string): string => flag.split(' ')[0]!;

/**
 * The raw model config of `family` from parsed options: only flags the user actually gave.
 * A given flag that `family` does not take is a UsageError naming it (and any others).
 */
export function modelConfigFromFlags(family: ModelFamily, opts: Readonly<Record<string, unknown>>, all: Iterable<ModelFamily>): { family: string } & Record<string, unknown> {
  const raw: { family: string } & Record<string, unknown> = { family: family.name };
  const foreign: ModelFlag[] = [];
  for (const f of collectModelFlags(all)) {
    const v = opts[attributeOf(f.flag)];
    if (v === undefined) continue;
    if (f.families.includes(family.name)) raw[f.key] = v;
    else foreign.push(f);
  }
  if (foreign.length > 0) {
    // The fix: the families that take every one of them, e.g. --conv → conv-ae, conv-vae, conv-cvae, vaegan.
    const takers = foreign[0]!.families.filter((name) => foreign.every((f) => f.families.includes(name)));
    const hint = takers.length > 0 ? ` (${foreign.length === 1 ? 'it is a flag' : 'they are flags'} of --model ${takers.join(', ')})` : '';
    throw new UsageError(`${foreign.map((f) => nameOf(f.flag)).join(', ')} ${foreign.length === 1 ? 'does' : 'do'} not apply to --model ${family.name}${hint}`);
  }
  return raw;
}

/** The flag of `family` that sets config key `key`, for error messages (the key itself when no flag sets it). */
export function flagForKey(family: ModelFamily, key: string): string {
  const f = family.flags.find((m) => m.key === key);
  return f ? nameOf(f.flag) : key;
}
