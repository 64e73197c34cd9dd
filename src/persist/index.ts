/** Durable file writes and the safetensors checkpoint format. */
export { appendLineDurable, tempPathFor, writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
export {
  CorruptFileError,
  decodeSafetensors,
  encodeSafetensors,
  MissingFileError,
  readSafetensorsFile,
  SHA256_METADATA_KEY,
  writeSafetensorsFile,
  type DecodedSafetensors,
  type TensorF32,
} from './safetensors.js';
