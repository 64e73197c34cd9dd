/**
 * The downloaded run: a zip (fflate, stored without compression for the checkpoint, whose
 * float32 weights hardly compress; deflated for the text files) holding one folder `<run>/`
 * with the run directory's files, so `unzip run.zip` gives a folder the CLI reads.
 */
import { zipSync, type Zippable } from 'fflate';

export function zipRun(folder: string, files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const entries: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) entries[`${folder}/${name}`] = [bytes, { level: name.endsWith('.safetensors') ? 0 : 6 }];
  return zipSync(entries);
}
