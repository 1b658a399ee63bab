CREATE TABLE "charging"."account_standing" (
	"account_id" text PRIMARY KEY NOT NULL,
	"standing" text NOT NULL,
	"reason" text,
	"event_id" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charging"."calls" (
	"call_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"line_id" text NOT NULL,
	"service" text NOT NULL,
	"status" text NOT NULL,
	"holds_channel" boolean DEFAULT false NOT NULL,
	"direction" text DEFAULT 'outbound' NOT NULL,
	"calling_number" text,
	"called_number" text,
	"start_time" text,
	"granted_units" integer DEFAULT 0 NOT NULL,
	"used_units" integer DEFAULT 0 NOT NULL,
	"reserved" numeric DEFAULT '0' NOT NULL,
	"draws" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"charged" numeric DEFAULT '0' NOT NULL,
	"committed" boolean DEFAULT false NOT NULL,
	"rated_revision" integer,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charging"."line_allowances" (
	"line_id" text PRIMARY KEY NOT NULL,
	"offer_id" text NOT NULL,
	"period_key" text NOT NULL,
	"at" text NOT NULL,
	"remaining" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "charging"."accounts" ADD COLUMN "recharge_period" text;--> statement-breakpoint
ALTER TABLE "charging"."accounts" ADD COLUMN "recharge_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "charging"."ledger" ADD COLUMN "note" text;--> statement-breakpoint
CREATE INDEX "calls_open_by_account" ON "charging"."calls" USING btree ("account_id") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "calls_open_by_line" ON "charging"."calls" USING btree ("line_id") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "calls_open_expiry" ON "charging"."calls" USING btree ("expires_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "calls_unrated_by_line" ON "charging"."calls" USING btree ("line_id") WHERE committed and rated_revision is null;--> statement-breakpoint
-- Calls charged before credit control existed: what the ledger holds for each rated CDR, so a redelivered
-- or replayed revision posts only its difference.
INSERT INTO "charging"."calls" ("call_id", "account_id", "line_id", "service", "status", "charged", "rated_revision")
SELECT regexp_replace("cause_ref", '#[0-9]+$', ''), min("account_id"), '', 'voice', 'rated', -sum("amount"), max(substring("cause_ref" from '#([0-9]+)$')::int)
FROM "charging"."ledger" WHERE "cause" = 'rated_cdr' GROUP BY regexp_replace("cause_ref", '#[0-9]+$', '')
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- drainOutbox (packages/db) reads "select id::text as id ... order by id": the ORDER BY takes the text alias,
-- so id 10 sorts before id 9 and one account's balance events could leave out of order. Ids of one length
-- sort the same as text and as numbers; starting at 10^15 keeps them one length (reported for a fix there).
ALTER SEQUENCE "charging"."outbox_id_seq" RESTART WITH 1000000000000000;
