/**
 * The model families latentkit can build, by name: the descriptors of the family folders
 * (each `src/models/<family>/family.ts`, see ./family.ts). A new family is a new folder and
 * one line here.
 */
import type { ModelFamily } from './family.js';
import { aaeFamily } from './aae/family.js';
import { aeFamily } from './ae/family.js';
import { caeFamily } from './cae/family.js';
import { cvaeFamily } from './cvae/family.js';
import { daeFamily } from './dae/family.js';
import { sparseFamily } from './sparse/family.js';
import { stackedFamily } from './stacked/family.js';
import { vaeFamily } from './vae/family.js';
import { convAeFamily } from './conv-ae/family.js';
import { convVaeFamily } from './conv-vae/family.js';
import { convCvaeFamily } from './conv-cvae/family.js';
import { vaeganFamily } from './vaegan/family.js';

export type { FamilyConfig, FlagSpec, ModelFamily } from './family.js';

export const MODEL_FAMILIES: ReadonlyMap<string, ModelFamily> = new Map(
  [aeFamily, daeFamily, sparseFamily, caeFamily, vaeFamily, cvaeFamily, aaeFamily, stackedFamily, convAeFamily, convVaeFamily, convCvaeFamily, vaeganFamily].map((f) => [f.name, f]),
);

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

export function getFamily(name: string): ModelFamily {
  const f = MODEL_FAMILIES.get(name);
  if (!f) throw new UnknownModelError(`unknown model "${name}" (choose from: ${[...MODEL_FAMILIES.keys()].join(', ')})`);
  return f;
}
