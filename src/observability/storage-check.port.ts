export const STORAGE_CHECKS = Symbol('STORAGE_CHECKS');

/** A readiness check of a store's files, named in the report while it fails. */
export interface StorageCheck {
  name: string;
  /** Resolves with details when the storage can take writes; rejects with the fault when not. */
  run(): Promise<Record<string, unknown>>;
}

/** Implemented by stores whose storage can fail in ways a ping does not show. */
export interface StorageChecked {
  storageChecks(): StorageCheck[];
}

export function hasStorageChecks(store: unknown): store is StorageChecked {
  return typeof (store as Partial<StorageChecked> | null)?.storageChecks === 'function';
}
