/**
 * The floor under the HTTP figures: a NestJS app with one POST route that parses the JSON body
 * and answers, with nothing else (no guards, validation, middleware, store). Started as its own
 * process by bench/http-deposits.bench.ts, on PORT and HOST like the app.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

@Controller()
class BareController {
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Post('accounts/:id/deposits')
  @HttpCode(200)
  deposit(@Param('id') accountId: string, @Body() body: { amount: number }) {
    return { accountId, revision: body.amount, position: body.amount };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}

void main();
