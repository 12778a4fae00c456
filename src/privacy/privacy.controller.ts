import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import type { CommandContext } from '../commands/command-context';
import { CommandCtx } from '../http/command-context.decorator';
import { Refuses } from '../http/openapi/refuses.decorator';
import { LedgerError } from '../problems/ledger-error';
import { ErasureRequestDto, ErasureView } from './erasure.dto';
import { type ErasureResult, SubjectErasure } from './subject-erasure';

/** A data subject is an owner id or a token subject: 1 to 255 visible ASCII characters. */
const SUBJECT_PATTERN = /^[\x21-\x7e]{1,255}$/;

@ApiTags('privacy')
@ApiBearerAuth()
@Controller('privacy')
export class PrivacyController {
  constructor(private readonly erasure: SubjectErasure) {}

  /**
   * Crypto-shredding of one data subject (an account owner or a token subject): the erasure is
   * recorded (who asked, when, which subject by its blind index, by which authority), then every
   * key of the subject is deleted. Its personal fields read as erased from then on everywhere;
   * amounts and the hash chains stay intact. Asking again changes nothing.
   */
  @Post('subjects/:subject/erasure')
  @HttpCode(200)
  @Roles('admin')
  @ApiParam({
    name: 'subject',
    schema: { type: 'string', pattern: SUBJECT_PATTERN.source },
    description: 'The owner id or token subject, 1 to 255 visible ASCII characters',
  })
  @ApiOkResponse({ type: ErasureView, description: 'Erased (or already erased)' })
  @Refuses('INVALID_SUBJECT')
  async erase(
    @Param('subject') subject: string,
    @Body() body: ErasureRequestDto,
    @CommandCtx() context: CommandContext,
  ): Promise<ErasureResult> {
    if (!SUBJECT_PATTERN.test(subject)) {
      throw new LedgerError('INVALID_SUBJECT', 'A subject is 1 to 255 visible ASCII characters');
    }
    return this.erasure.erase({
      subjectId: subject,
      actor: context.actor,
      authority: body.authority,
      correlationId: context.correlationId,
    });
  }
}
