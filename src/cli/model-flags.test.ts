/**
 * Model flags built from the families' own declarations: each flag once (shared flags
 * included), only given flags copied, a flag of another family refused in one line, and the
 * CLI's --help and errors on top of them.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { defineFamily } from '../models/family.js';
import { getFamily, MODEL_FAMILIES } from '../models/registry.js';
import { type VaeConfig, vaeConfigSchema } from '../models/vae/config.js';
import { Vae } from '../models/vae/model.js';
import { ensureDistBuilt, expectUserError, latentkit } from '../test-support/cli-harness.js';
import { addModelFlags, collectModelFlags, modelConfigFromFlags } from './model-flags.js';

const all = (): Iterable<ReturnType<typeof getFamily>> => MODEL_FAMILIES.values();

describe('model flags from the family folders', () => {
  it('lists each flag once, with the families that take it', () => {
    const flags = collectModelFlags(all());
    const names = flags.map((f) => f.flag);
    expect(new Set(names).size).toBe(names.length);
    const of = (flag: string): readonly string[] => flags.find((f) => f.flag.startsWith(`${flag} `) || f.flag === flag)!.families;
    expect(of('--latent')).toEqual([...MODEL_FAMILIES.keys()]);
    // (Families added later may take these flags too: only the dense families are pinned here.)
    const dense = (fs: readonly string[]): string[] => fs.filter((f) => ['ae', 'dae', 'sparse', 'cae', 'vae', 'cvae', 'aae', 'stacked'].includes(f));
    expect(dense(of('--lambda'))).toEqual(['sparse', 'cae']);
    expect(dense(of('--beta'))).toEqual(['vae', 'cvae']);
    expect(dense(of('--tied'))).toEqual(['ae', 'dae', 'sparse', 'cae', 'aae', 'stacked']);
    // Every flag of every family sets a key its schema knows (a typo in a key would be an unrecognized key).
    for (const family of MODEL_FAMILIES.values()) {
      for (const f of family.flags) {
        const r = family.schema.safeParse({ family: family.name, [f.key]: 'not a value' });
        expect(r.success ? [] : r.error.issues.filter((i) => i.code === 'unrecognized_keys'), `${family.name} ${f.flag}`).toEqual([]);
      }
    }
    expect(getFamily('ae').schema.safeParse({ family: 'ae', rho: 'not a value' }).error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('refuses two families declaring one flag differently', () => {
    const base = { schema: vaeConfigSchema, create: (c: VaeConfig) => new Vae(c) };
    const a = defineFamily({ ...base, name: 'vae', summary: 'a', flags: [{ flag: '--beta <x>', key: 'beta', help: 'β', type: 'number' }] });
    const b = defineFamily({ ...base, name: 'vae', summary: 'b', flags: [{ flag: '--beta <x>', key: 'beta', help: 'β', type: 'int' }] });
    expect(() => collectModelFlags([a, b])).toThrow('flag --beta <x> is declared differently by vae and vae');
  });

  it('copies only the flags given, parsed by their declared type', () => {
    const cmd = addModelFlags(new Command().exitOverride(), MODEL_FAMILIES);
    cmd.parse(['--beta', '2.5', '--hidden', '32,16', '--learn-variance'], { from: 'user' });
    expect(modelConfigFromFlags(getFamily('vae'), cmd.opts(), all())).toEqual({ family: 'vae', beta: 2.5, hidden: [32, 16], learnVariance: true });
    expect(() => new Command().exitOverride().configureOutput({ writeErr: () => {} }).addOption(cmd.options.find((o) => o.long === '--latent')!).parse(['--latent', '0'], { from: 'user' })).toThrow('must be a positive integer (got 0)');
  });

  it('a flag the chosen family does not take is one line naming it', () => {
    expect(() => modelConfigFromFlags(getFamily('ae'), { rho: 0.1 }, all())).toThrow(new UsageError('--rho does not apply to --model ae (it is a flag of --model sparse, conv-ae)'));
    expect(() => modelConfigFromFlags(getFamily('vae'), { rho: 0.1, tied: true }, all())).toThrow(new UsageError('--tied, --rho do not apply to --model vae (they are flags of --model sparse)'));
  });

  it('--help shows a shared flag once and names the families of the others', () => {
    const help = addModelFlags(new Command('train'), MODEL_FAMILIES).helpInformation().replace(/\s+/g, ' ');
    expect(help.match(/--lambda <x>/g)).toHaveLength(1);
    expect(help).toContain('--lambda <x> sparse/contractive AE: penalty weight λ [--model sparse, cae');
    expect(help).toContain('--latent <n> latent (code) dimensions --hidden');
  });
});

describe('latentkit train with a flag of another family', () => {
  let tmp: string;
  beforeAll(() => {
    ensureDistBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'latentkit-model-flags-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('fails in one line before any work, writing nothing', async () => {
    const r = await latentkit(['train', '--model', 'ae', '--rho', '0.1', '--out', 'run', '--quiet'], tmp);
    expect(expectUserError(r, '--rho')).toBe('latentkit: error: --rho does not apply to --model ae (it is a flag of --model sparse, conv-ae)');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
