import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer as createHttpServer, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AppConfig } from '../config/app-config';

/** How often Node looks for connections past their header or request deadline. */
const DEADLINE_CHECK_INTERVAL_MS = 1000;

/**
 * Express on a Node server of our own making: HTTPS when a certificate is configured, and
 * deadlines a slow client cannot stretch. Node answers 408 and closes a connection whose headers
 * take longer than `headersTimeoutMs` or whose whole request (body included) takes longer than
 * `requestTimeoutMs`; past `maxConnections` new connections are dropped. HTTP/2 is left out:
 * Express does not run on Node's HTTP/2 compatibility layer.
 */
export class LedgerHttpAdapter extends ExpressAdapter {
  constructor(private readonly config: Pick<AppConfig, 'tls' | 'server'>) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.forceCloseConnections || options.return503OnClosing) {
      throw new Error('LedgerHttpAdapter takes TLS and connection settings from AppConfig only');
    }
    const { server: limits, tls } = this.config;
    const serverOptions: ServerOptions = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS,
    };
    const server = tls
      ? createHttpsServer(
          // A client that never finishes the TLS handshake is as slow as one that never sends headers.
          {
            ...serverOptions,
            cert: tls.cert,
            key: tls.key,
            handshakeTimeout: limits.headersTimeoutMs,
          },
          this.getInstance(),
        )
      : createHttpServer(serverOptions, this.getInstance());
    server.maxConnections = limits.maxConnections;
    this.setHttpServer(server);
  }
}
