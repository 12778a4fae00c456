/**
 * What the caller believes about the stream before appending:
 * a number is the revision of its last event, `no-stream` means it must not exist yet,
 * `any` skips the check.
 */
export type ExpectedRevision = number | 'no-stream' | 'any';
