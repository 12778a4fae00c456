import { CURRENT_SCHEMA_VERSION } from '../event-schema-versions';
import { UPCASTERS, type Upcaster } from './upcasters';

/** The part of a stored event that upcasting reads and rewrites. */
export interface VersionedEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
}

export class MissingUpcasterError extends Error {
  constructor(type: string, fromVersion: number) {
    super(`No upcaster lifts ${type} from schema version ${fromVersion}`);
    this.name = 'MissingUpcasterError';
  }
}

function currentVersion(type: string): number | undefined {
  return (CURRENT_SCHEMA_VERSION as Record<string, number | undefined>)[type];
}

/**
 * Builds the function that lifts an event to the current shape of its type. An event already
 * current, of a type the ledger does not version, or of a newer version than this code knows
 * (written by a newer deployment) is returned as it is: the very same object, so reading current
 * events costs nothing. Anything else goes through each step up to the current version and comes
 * back as a new object with the new `schemaVersion`.
 */
export function upcasterFor(
  upcasters: readonly Upcaster[],
  versionOf: (type: string) => number | undefined = currentVersion,
) {
  const steps = new Map<string, Upcaster>(upcasters.map((u) => [`${u.type}@${u.fromVersion}`, u]));
  return function upcast<E extends VersionedEvent>(event: E): E {
    const target = versionOf(event.type);
    if (target === undefined || event.schemaVersion >= target) return event;
    let data = event.data as Record<string, unknown>;
    for (let version = event.schemaVersion; version < target; version++) {
      const step = steps.get(`${event.type}@${version}`);
      if (!step) throw new MissingUpcasterError(event.type, version);
      data = step.upcast(data);
    }
    return { ...event, schemaVersion: target, data };
  };
}

/** Lifts any stored event to the shape the domain, the projections and the API read today. */
export const upcastEvent = upcasterFor(UPCASTERS);
