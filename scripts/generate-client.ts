/**
 * Writes client/ledgerline-api.ts from the OpenAPI document of the app as it is now:
 *   npm run client:generate
 * With `--check <url of an openapi.json>` it writes nothing and exits 1 when the committed file
 * differs from what that document gives (the test command runs this against the running app).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app/app.module';
import { loadConfig } from '../src/config/app-config';
import { openApiDocument } from '../src/http/openapi/openapi-document';
import { CLIENT_TYPES_FILE, renderClientTypes } from './client-types';

async function documentOfThisCode(): Promise<object> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-client-'));
  const config = { ...loadConfig({ DATA_DIR: dataDir, PORT: '0' }), logLevel: 'silent' as const };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: ['error'],
  });
  try {
    return openApiDocument(app);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'string' } } });
  if (values.check) {
    const document = (await (await fetch(values.check)).json()) as object;
    const fresh = await renderClientTypes(document);
    if (readFileSync(CLIENT_TYPES_FILE, 'utf8') !== fresh) {
      console.error(
        `${CLIENT_TYPES_FILE} does not match ${values.check}: run npm run client:generate`,
      );
      process.exit(1);
    }
    console.log(`${CLIENT_TYPES_FILE} is up to date`);
    return;
  }
  writeFileSync(CLIENT_TYPES_FILE, await renderClientTypes(await documentOfThisCode()));
  console.log(`wrote ${CLIENT_TYPES_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
