/**
 * Issue 10, "clean output": the packed package installs into an empty project as a new user's
 * would (`npm pack`, then `ONNXRUNTIME_NODE_INSTALL=skip npm install <tarball>`), without
 * onnxruntime-node's CUDA download, and its CLI and library then train. The work is in
 * `.ci/consumer-install.sh` (also runnable by hand); this test makes `npm test`, hence CI, run it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('consumer install from npm pack', () => {
  it('installs offline-safe into an empty project; the installed CLI and library train', () => {
    const r = spawnSync('bash', [join(ROOT, '.ci', 'consumer-install.sh')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: process.env['CI'] ?? '' } });
    const tail = `${r.stdout}\n${r.stderr}`.split('\n').slice(-30).join('\n');
    expect(r.status, tail).toBe(0);
    expect(r.stdout).toMatch(/consumer-install: ok \(latentkit \d+\.\d+\.\d+, test loss \d+\.\d+\)/);
  }, 600_000);
});
