/**
 * What the command side folds in place of each event, as stored or as just decided: the privacy
 * module's view adds the blind index of a personal field's subject, so that states never need
 * a personal value itself and nothing is decrypted on the command path.
 */
export const FOLD_VIEW = Symbol('FOLD_VIEW');

export type FoldView = <E extends { type: string; data: unknown }>(event: E) => E;
