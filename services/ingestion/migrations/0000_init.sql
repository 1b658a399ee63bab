CREATE SCHEMA "ingestion";
--> statement-breakpoint
CREATE TABLE "ingestion"."received_cdrs" (
	"source" text NOT NULL,
	"record_id" text NOT NULL,
	"account_id" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"cdr" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "received_cdrs_source_record_id_pk" PRIMARY KEY("source","record_id")
);
--> statement-breakpoint
CREATE INDEX "received_cdrs_account_start" ON "ingestion"."received_cdrs" USING btree ("account_id","start_time");