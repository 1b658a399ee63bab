CREATE TABLE "ingestion"."rejected_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"switch_id" text NOT NULL,
	"source" text,
	"record_id" text,
	"reasons" jsonb NOT NULL,
	"original" jsonb,
	"rejected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"redriven_at" timestamp with time zone,
	"redrive_outcome" text
);
--> statement-breakpoint
CREATE INDEX "rejected_records_pending" ON "ingestion"."rejected_records" USING btree ("redriven_at","rejected_at");