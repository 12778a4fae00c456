import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');
const READS = new Set(['readAll', 'readStream']);
/** The history module pages and folds; the event store's own adapters and decorators implement the reads. */
const ALLOWED = [/^src\/history\//, /^src\/event-store\//];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)
      ? [path]
      : [];
  });
}

const repeats = (node: ts.Node): boolean =>
  ts.isForStatement(node) ||
  ts.isForOfStatement(node) ||
  ts.isForInStatement(node) ||
  ts.isWhileStatement(node) ||
  ts.isDoStatement(node) ||
  (ts.isFunctionLike(node) && 'asteriskToken' in node && node.asteriskToken !== undefined);

/** `store.readAll(…)` or `store.readStream(…)` calls inside a loop or a generator, as file:line. */
function repeatedReads(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const found: string[] = [];
  const visit = (node: ts.Node, inLoop: boolean): void => {
    if (
      inLoop &&
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      READS.has(node.expression.name.text)
    ) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${relative(ROOT, file)}:${line + 1}`);
    }
    ts.forEachChild(node, (child) => visit(child, inLoop || repeats(node)));
  };
  visit(source, false);
  return found;
}

describe('reading history', () => {
  it('pages the log and streams only through src/history', () => {
    const offenders = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'projections'))]
      .filter((file) => !ALLOWED.some((allowed) => allowed.test(relative(ROOT, file))))
      .flatMap(repeatedReads);
    expect(offenders).toEqual([]);
  });

  it('catches a paging loop written by hand', () => {
    const probe = join(ROOT, 'test/architecture/fixtures/hand-written-paging.ts');
    expect(repeatedReads(probe)).toEqual(['test/architecture/fixtures/hand-written-paging.ts:5']);
  });
});
