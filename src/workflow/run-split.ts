/**
 * The train/test split of a saved run's data, loaded as the run was trained.
 */
import type { Split } from '../data/dataset.js';
import { loadData } from '../data/load.js';
import type { LoadedRun } from './load-run.js';

export function loadRunSplit(run: LoadedRun, spec?: string, dataDir?: string): Split {
  const data = run.config.data;
  return loadData(spec ?? data.spec, { dataDir: dataDir ?? (spec ? undefined : data.dataDir) });
}
