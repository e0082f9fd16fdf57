// Builds the webhook server from the process config (its TLS source, budget and failure mode); the
// flags that only work together are checked where flags are parsed (config/config.ts).

import type { PorticoConfig } from '../config/config.ts';
import type { StoreView } from '../store/store.ts';
import type { TranslateOptions } from '../translate/index.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { FileTlsSource, SecretTlsSource } from './webhook-tls.ts';
import { WebhookServer } from './webhook-server.ts';

export interface RunningWebhook {
  listen(): Promise<number>;
  /** After each applied snapshot: a renewed TLS Secret is picked up here. */
  storeChanged(): void;
  close(): Promise<void>;
}

export function startWebhook(config: PorticoConfig, deps: {
  store: StoreView; logger: Logger; metrics: Metrics; ready: () => boolean; translate: Omit<TranslateOptions, 'version'>;
}): RunningWebhook {
  const secret = config.webhookTlsSecret ? new SecretTlsSource(deps.store, config.webhookTlsSecret) : null;
  const tls = secret ?? new FileTlsSource(config.webhookCertFile!, config.webhookKeyFile!);
  const server = new WebhookServer({
    host: config.webhookAddress,
    port: config.webhookPort ?? 0,
    tls,
    store: deps.store,
    translate: deps.translate,
    budgetMs: config.webhookTimeoutMs,
    failureMode: config.webhookFailureMode,
    logger: deps.logger,
    metrics: deps.metrics,
    ready: deps.ready,
  });
  return {
    listen: () => server.listen(),
    storeChanged: () => secret?.changed(),
    close: () => server.close(),
  };
}
