/** The write model of one aggregate type: everything a command handler needs, with no I/O. */
export interface Decider<TCommand, TEvent extends { type: string }, TState> {
  initialState: TState;
  /**
   * Names the fold (`evolve` and the state's shape). Raise it whenever either changes: snapshots
   * made by another version are then ignored and rebuilt from the events.
   */
  foldVersion: number;
  evolve(state: TState, event: TEvent): TState;
  decide(command: TCommand, state: TState): TEvent[];
  streamId(id: string): string;
}
