import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metrics every service exports. One registry per service instance, so several services can run
 * in one process (tests, the demo) without their counters mixing.
 */
export function createMetrics(service: string, opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    consumed: new Counter({ name: 'rcp_messages_consumed_total', help: 'Kafka messages consumed', labelNames: ['topic'], registers: [registry] }),
    produced: new Counter({ name: 'rcp_messages_produced_total', help: 'Kafka messages produced', labelNames: ['topic'], registers: [registry] }),
    rejected: new Counter({ name: 'rcp_records_rejected_total', help: 'Records rejected or dead-lettered, by reason code', labelNames: ['topic', 'code'], registers: [registry] }),
    consumerLag: new Gauge({ name: 'rcp_consumer_lag', help: 'Messages behind the high watermark', labelNames: ['topic', 'partition'], registers: [registry] }),
    processingSeconds: new Histogram({
      name: 'rcp_processing_seconds',
      help: 'Time to process one batch of messages or one request',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
