/**
 * The train/test split of a saved run's data, loaded as the run was trained (its recorded
 * split and transforms; see run-data.ts).
 */
import type { Split } from '../data/dataset.js';
import type { LoadedRun } from './load-run.js';
import { loadRunData } from './run-data.js';

export function loadRunSplit(run: LoadedRun): Split {
  const { train, test } = loadRunData(run.dir, run.config.data);
  return { train, test };
}
