import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { getFamily, MODEL_FAMILIES } from '../models/registry.js';
import { addModelFlags, modelConfigFromFlags } from './model-flags.js';

describe('conv flags', () => {
  const all = () => MODEL_FAMILIES.values();

  it('parse into the conv families’ configs', () => {
    const cmd = addModelFlags(new Command().exitOverride(), MODEL_FAMILIES);
    cmd.parse(['--conv', '16,32,64', '--kernel', '5', '--stride', '2', '--dense', 'none', '--upsample', 'bilinear', '--gamma', '0.5'], { from: 'user' });
    expect(modelConfigFromFlags(getFamily('vaegan'), cmd.opts(), all())).toEqual({ family: 'vaegan', conv: [16, 32, 64], kernel: 5, stride: 2, dense: [], upsample: 'bilinear', gamma: 0.5 });
  });

  it('given to a dense family: one line naming the flag and the families that take it', () => {
    expect(() => modelConfigFromFlags(getFamily('vae'), { conv: [32, 64] }, all())).toThrow(new UsageError('--conv does not apply to --model vae (it is a flag of --model conv-ae, conv-vae, conv-cvae, vaegan)'));
    expect(() => modelConfigFromFlags(getFamily('ae'), { kernel: 3, upsample: 'nearest' }, all())).toThrow(
      new UsageError('--kernel, --upsample do not apply to --model ae (they are flags of --model conv-ae, conv-vae, conv-cvae, vaegan)'),
    );
    expect(() => modelConfigFromFlags(getFamily('conv-vae'), { gamma: 2 }, all())).toThrow(new UsageError('--gamma does not apply to --model conv-vae (it is a flag of --model vaegan)'));
  });
});
