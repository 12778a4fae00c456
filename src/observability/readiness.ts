import { Injectable } from '@nestjs/common';

/** Set when shutdown begins, so readiness fails first and a load balancer drains this instance. */
@Injectable()
export class Readiness {
  private draining = false;

  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }
}
