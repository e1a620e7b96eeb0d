/** What every `eatctl` verb is: a summary for the help, and a run that answers with an exit code. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole of standard input. */
  readStdin(): Promise<string>;
  /** Asks a question on a terminal and answers the line typed; absent when no one is there to answer. */
  ask?(question: string): Promise<string>;
}

export interface Verb {
  /** The words that name it, e.g. `agent verify`. */
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: Io): Promise<number>;
}

/** Exit codes shared by the verbs. */
export const EXIT = { ok: 0, rejected: 1, usage: 2, failed: 3, refused: 4 } as const;

/** A mistake in how the command was called: the verb's usage is printed with it. */
export class UsageError extends Error {
  override name = 'UsageError';
}
