import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WriterOptions } from './sqlite-writer.worker';

/**
 * Starts the writer thread. From compiled JavaScript it is just its file. From TypeScript sources
 * (`npm start`, Jest) a thread would have to load a TypeScript compiler of its own, about a second
 * per store; instead this thread transpiles the writer's few modules once per process and hands
 * the JavaScript over, and the thread serves its `.ts` requires from it.
 */
export function startWriterThread(options: WriterOptions): Worker {
  const entry = resolve(__dirname, `sqlite-writer.worker${extname(__filename)}`);
  if (extname(__filename) !== '.ts') return new Worker(entry, { workerData: options });
  return new Worker(TYPESCRIPT_LOADER, {
    eval: true,
    workerData: { ...options, entry, sources: transpiledSources(entry) },
  });
}

const TYPESCRIPT_LOADER = `
const Module = require('node:module');
const { workerData } = require('node:worker_threads');
Module._extensions['.ts'] = (module, filename) => {
  const source = workerData.sources[filename];
  if (source === undefined) throw new Error('writer thread: no transpiled source for ' + filename);
  module._compile(source, filename);
};
require(workerData.entry);
`;

let transpiled: Record<string, string> | undefined;

function transpiledSources(entry: string): Record<string, string> {
  transpiled ??= transpileClosure(entry);
  return transpiled;
}

/** The worker module and every relative module it imports, as CommonJS, by absolute path. */
function transpileClosure(entry: string): Record<string, string> {
  // Only ever loaded when running from sources, where the compiler is installed anyway.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const sources: Record<string, string> = {};
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (file in sources) continue;
    const text = readFileSync(file, 'utf8');
    sources[file] = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    for (const [, specifier] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      pending.push(resolve(dirname(file), `${specifier}.ts`));
    }
  }
  return sources;
}
