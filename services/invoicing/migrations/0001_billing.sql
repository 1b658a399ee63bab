CREATE TABLE "invoicing"."account_event_offsets" (
	"partition" integer PRIMARY KEY NOT NULL,
	"next_offset" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."account_lines" (
	"account_id" text PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"segments" jsonb NOT NULL,
	"last_event_id" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."account_standing" (
	"account_id" text PRIMARY KEY NOT NULL,
	"standing" text NOT NULL,
	"since" text NOT NULL,
	"reason" text NOT NULL,
	"version" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."billing_documents" (
	"revision" serial PRIMARY KEY NOT NULL,
	"document" jsonb NOT NULL,
	"applied_by" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."dunning_steps" (
	"invoice_id" text NOT NULL,
	"step" text NOT NULL,
	"as_of" text NOT NULL,
	"done_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dunning_steps_invoice_id_step_pk" PRIMARY KEY("invoice_id","step")
);
--> statement-breakpoint
CREATE TABLE "invoicing"."offers" (
	"offer_id" text PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"account_id" text NOT NULL,
	"use" text NOT NULL,
	"text" text NOT NULL,
	"sent_on" text NOT NULL,
	"status" text NOT NULL,
	"answered_on" text,
	"follows_offer_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."payments" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"account_id" text NOT NULL,
	"amount" numeric NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."tasks" (
	"task_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"period_key" text NOT NULL,
	"kind" text NOT NULL,
	"check" text NOT NULL,
	"status" text NOT NULL,
	"details" jsonb NOT NULL,
	"created_on" text NOT NULL,
	"offer_id" text,
	"resolution" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "invoicing"."invoices_one_per_period";--> statement-breakpoint
ALTER TABLE "invoicing"."number_sequences" DROP CONSTRAINT "number_sequences_issuer_year_pk";--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ALTER COLUMN "due_date" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."number_sequences" ADD COLUMN "series" text DEFAULT 'invoice' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."number_sequences" ADD CONSTRAINT "number_sequences_issuer_series_year_pk" PRIMARY KEY("issuer","series","year");--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "issue_date" text;--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "corrects_invoice_id" text;--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "details" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "partner_id" text;--> statement-breakpoint
ALTER TABLE "invoicing"."invoices" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "offer_id" text;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "pricing" text DEFAULT 'payg' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "included_units" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "overage_units" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "overage_retail" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "overage_wholesale" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "invoice_id" text;--> statement-breakpoint
ALTER TABLE "invoicing"."usage" ADD COLUMN "partner_invoice_id" text;--> statement-breakpoint
CREATE INDEX "payments_invoice" ON "invoicing"."payments" USING btree ("invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_one_check_per_period" ON "invoicing"."tasks" USING btree ("account_id","period_key","kind") WHERE kind <> 'follow_up';--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_one_follow_up_per_offer" ON "invoicing"."tasks" USING btree ("offer_id") WHERE kind = 'follow_up';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_idempotency" ON "invoicing"."invoices" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "invoices_corrects" ON "invoicing"."invoices" USING btree ("corrects_invoice_id");--> statement-breakpoint
CREATE INDEX "usage_invoice" ON "invoicing"."usage" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "usage_partner_invoice" ON "invoicing"."usage" USING btree ("partner_invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_one_per_period" ON "invoicing"."invoices" USING btree ("account_id","period_key","kind") WHERE kind in ('invoice', 'partner_invoice');