import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { installProduceEncoding } from './produce-encoding.js';
import { installRecordDecoding } from './record-decoding.js';

// Every producer and consumer of the platform encodes requests and reads fetched records with these (the same
// bytes and the same record objects as kafkajs's own code, for a fraction of the CPU; see each file).
installProduceEncoding();
installRecordDecoding();

/** kafkajs with its log lines sent through the service's pino logger. */
export function createKafka(opts: { brokers: string[]; clientId: string; logger: Logger; retries?: number; connectionTimeoutMs?: number }): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    ...(opts.connectionTimeoutMs ? { connectionTimeout: opts.connectionTimeoutMs } : {}),
    retry: { initialRetryTime: 200, retries: opts.retries ?? 12, maxRetryTime: 10_000 },
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { namespace: entry.namespace, ...extra };
      if (entry.level <= logLevel.ERROR) log.error(fields, message);
      else if (entry.level === logLevel.WARN) log.warn(fields, message);
      else if (entry.level === logLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
    },
  });
}
