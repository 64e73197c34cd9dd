/**
 * The train/test split of a saved run's data, loaded as the run was trained (its recorded
 * split and transforms; see run-data.ts).
 */
import type { Split } from '../data/dataset.js';
import type { LoadedRun } from './load-run.js';
import { loadRunData } from './run-data.js';
import { checkSamplesFit } from './sample-fit.js';

export function loadRunSplit(run: LoadedRun): Split {
  const { train, test } = loadRunData(run.dir, run.config.data);
  // The run's data may have changed since training (e.g. its image folder was replaced).
  checkSamplesFit(run.model, train, run.dir, run.config.data.spec);
  return { train, test };
}
