import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('health')
@Controller('health')
export class HealthController {
  /** Liveness: the process runs and answers HTTP. */
  @Get()
  live() {
    return { status: 'ok' };
  }
}
