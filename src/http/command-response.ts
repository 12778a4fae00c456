import type { Response } from 'express';
import type { CommandResult } from '../commands/command-context';

/** The answer to every command: where the stream is now, with its revision as the ETag. */
export function commandResponse<T extends object>(
  response: Response,
  result: CommandResult,
  body: T,
): T & { revision: number; position: number } {
  response.setHeader('ETag', `"${result.revision}"`);
  return { ...body, revision: result.revision, position: result.position };
}
