import { z } from 'zod';
import { Direction, Disposition, Identifier, IsoInstant, Service } from '@rcp/contracts';

/**
 * A CDR as a switch posts it to the JSON API: the same fields as the parsed switch formats produce.
 * Numbers may be written as the switch dialled them; they are normalised to E.164 with the switch's country.
 */
export const ApiCdrRecord = z.object({
  source: Identifier(128).optional(),
  recordId: Identifier(256),
  accountCode: Identifier(128).nullable().optional(),
  service: Service.default('voice'),
  direction: Direction.default('outbound'),
  callingNumber: z.string().min(1).max(40),
  calledNumber: z.string().min(1).max(40),
  startTime: IsoInstant,
  answerTime: IsoInstant.nullable().optional(),
  endTime: IsoInstant.nullable().optional(),
  billableUnits: z.number().int().min(0).max(31 * 24 * 3600, 'more than 31 days of units in one record'),
  disposition: Disposition,
  format: Identifier(64).optional(),
});
export type ApiCdrRecord = z.infer<typeof ApiCdrRecord>;
