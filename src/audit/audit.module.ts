import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { AnchorStore } from './anchor-store';
import { Anchoring } from './anchoring';
import { AUDIT_CONFIG, loadAuditConfig } from './audit-config';
import { AuditHistory } from './audit-history';
import { AuditReadLog } from './audit-reads';
import { AuditController } from './audit.controller';
import { ChainVerifier } from './chain-verifier';

/**
 * Tamper evidence for auditors: stream history and exports, chain verification, signed anchors,
 * and the log of audit reads. Imported by the roles that serve the api; the ports (the event store
 * as stored, STORED_EVENT_STORE; the read store; the configuration) come from the global PortsModule.
 */
@Module({
  controllers: [AuditController],
  providers: [
    {
      provide: AUDIT_CONFIG,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => loadAuditConfig(process.env, config.dataDir),
    },
    AnchorStore,
    Anchoring,
    AuditHistory,
    AuditReadLog,
    ChainVerifier,
  ],
})
export class AuditModule {}
