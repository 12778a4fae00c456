import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEM_CODES, PROBLEMS, type ProblemCode } from '../../src/problems/problem-catalog';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: ProblemSchema }> }>;
}
interface ProblemSchema {
  allOf?: { properties?: { code?: { enum?: string[] }; status?: { enum?: number[] } } }[];
}

const ROOT = join(__dirname, '..', '..');
/** Answers to a request no operation matches, or to a failure the code did not foresee. */
const ANY_REQUEST: ProblemCode[] = ['ROUTE_NOT_FOUND', 'INTERNAL_ERROR'];
/** Refusals of the transfer process manager's own steps: outcomes of a transfer, never an answer. */
const NEVER_ANSWERED: ProblemCode[] = ['INVALID_TRANSFER_STATE'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.spec\.ts$/.test(name) ? [path] : [];
  });
}

/** Every catalog code named in the source outside the catalog itself: what the code can raise. */
function raisableCodes(): Set<string> {
  const catalog = join(ROOT, 'src', 'problems', 'problem-catalog.ts');
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    if (file === catalog) continue;
    for (const [, code] of readFileSync(file, 'utf8').matchAll(/'([A-Z][A-Z_]+)'/g)) {
      if ((PROBLEM_CODES as string[]).includes(code)) found.add(code);
    }
  }
  return found;
}

/** Codes the README gives with a status ("409 `CODE`") or in an "Errors:" list. */
function readmeCodes(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = new Set<string>();
  const errorLists = readme.match(/^- Errors:[\s\S]*?(?=\n\n|\n- |\n#)/gm) ?? [];
  for (const list of errorLists) {
    for (const [, code] of list.matchAll(/`([A-Z][A-Z_]+)`/g)) found.add(code);
  }
  for (const [, code] of readme.matchAll(/\b[1-5]\d\d `([A-Z][A-Z_]+)`/g)) found.add(code);
  return found;
}

describe('The OpenAPI document lists every answer', () => {
  let ledger: RunningLedger;
  let operations: [string, Operation][];

  beforeAll(async () => {
    ledger = await startLedger();
    const response = await fetch(`${ledger.baseUrl}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );
  });

  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  /** Per operation: the codes under each error status, as the document lists them. */
  function documentedCodes(operation: Operation): Map<number, string[]> {
    const byStatus = new Map<number, string[]>();
    for (const [status, response] of Object.entries(operation.responses)) {
      const schema = response.content?.['application/problem+json']?.schema;
      if (!schema) continue;
      const codes = schema.allOf?.[1]?.properties?.code?.enum ?? [];
      byStatus.set(Number(status), codes);
    }
    return byStatus;
  }

  it('lists, over all operations, exactly the codes the code can raise', () => {
    const documented = new Set<string>(ANY_REQUEST);
    for (const [, operation] of operations) {
      for (const codes of documentedCodes(operation).values())
        codes.forEach((c) => documented.add(c));
    }
    expect([...documented].filter((code) => NEVER_ANSWERED.includes(code as ProblemCode))).toEqual(
      [],
    );
    const answerable = [...raisableCodes()].filter(
      (code) => !NEVER_ANSWERED.includes(code as ProblemCode),
    );
    expect([...documented].sort()).toEqual(answerable.sort());
    expect([...documented, ...NEVER_ANSWERED].sort()).toEqual([...PROBLEM_CODES].sort());
  });

  it('puts each code under the status it answers with', () => {
    for (const [name, operation] of operations) {
      for (const [status, codes] of documentedCodes(operation)) {
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect(`${name} ${code} ${PROBLEMS[code as ProblemCode].status}`).toBe(
            `${name} ${code} ${status}`,
          );
        }
      }
    }
  });

  it('names every code the README gives', () => {
    const documented = new Set<string>(ANY_REQUEST);
    for (const [, operation] of operations) {
      for (const codes of documentedCodes(operation).values())
        codes.forEach((c) => documented.add(c));
    }
    const missing = [...readmeCodes()].filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    // The README parser still finds the lists it reads.
    expect(readmeCodes().size).toBeGreaterThan(25);
  });

  it('gives every operation 429, and every signed-in one its roles and 401', () => {
    for (const [name, operation] of operations) {
      const codes = documentedCodes(operation);
      expect([name, codes.get(429)]).toEqual([name, ['RATE_LIMITED']]);
      if (operation.security?.length === 0) {
        // Public: probes and the anchors' public keys.
        expect([name, codes.get(401)]).toEqual([name, undefined]);
        expect(name).toMatch(/^GET \/(health|audit\/keys)/);
        continue;
      }
      expect([name, codes.get(401)]).toEqual([name, ['INVALID_TOKEN', 'UNAUTHENTICATED']]);
    }
  });
});
