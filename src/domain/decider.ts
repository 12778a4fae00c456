/** The write model of one aggregate type: everything a command handler needs, with no I/O. */
export interface Decider<TCommand, TEvent extends { type: string }, TState> {
  initialState: TState;
  evolve(state: TState, event: TEvent): TState;
  decide(command: TCommand, state: TState): TEvent[];
  streamId(id: string): string;
}
