/** Start-up failures that are the operator's to fix (bin/ prints them as one clear line, no stack). */
import { DamagedIdentityFileError } from '../server/ca/identity-file-error.ts';
import { UnsafeDataDirError } from './private-data-dir.ts';
import { CorruptDataError, DataDirFullError, DataDirLockedError } from '../server/raftnode/level-storage.ts';

/** Whether `err` says the data folder is in use, damaged, full or open to other users. */
export function isDataDirError(err: unknown): err is Error {
  return (
    err instanceof DataDirLockedError ||
    err instanceof CorruptDataError ||
    err instanceof DataDirFullError ||
    err instanceof UnsafeDataDirError ||
    err instanceof DamagedIdentityFileError
  );
}
