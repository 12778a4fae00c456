// tsconfig resolves modules the node10 way, which ignores package.json "exports", so TypeScript is
// pointed at the types mingo ships for this entry point by hand.
declare module 'mingo/updater' {
  export * from 'mingo/types/updater';
}
