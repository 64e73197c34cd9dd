import { defineConfig } from 'vitest/config';

// Tests spawn the CLI and train small models; on a loaded 2-core machine a single case can
// take longer than vitest's 5 s default, so the default per-test limit is 30 s (long tests
// set their own).
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 120_000 } });
