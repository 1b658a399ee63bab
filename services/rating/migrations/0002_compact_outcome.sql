-- The recorded figures a replay compares, as columns; message and CDR kept as their JSON text.
ALTER TABLE "rating"."rated_events" ADD COLUMN "billed_units" integer;--> statement-breakpoint
ALTER TABLE "rating"."rated_events" ADD COLUMN "denied_units" integer;--> statement-breakpoint
ALTER TABLE "rating"."rated_events" ADD COLUMN "retail_amount" numeric;--> statement-breakpoint
ALTER TABLE "rating"."rated_events" ADD COLUMN "wholesale_amount" numeric;--> statement-breakpoint
UPDATE "rating"."rated_events" SET
  "billed_units" = ("message"->>'billedUnits')::integer,
  "denied_units" = ("message"->>'deniedUnits')::integer,
  "retail_amount" = ("message"->'retail'->>'amount')::numeric,
  "wholesale_amount" = ("message"->'wholesale'->>'amount')::numeric
WHERE "outcome" = 'rated';--> statement-breakpoint
ALTER TABLE "rating"."rated_events" ALTER COLUMN "message" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "rating"."rated_events" ALTER COLUMN "cdr" SET DATA TYPE json;
