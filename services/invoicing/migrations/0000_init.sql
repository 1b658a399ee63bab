CREATE SCHEMA "invoicing";
--> statement-breakpoint
CREATE TABLE "invoicing"."invoices" (
	"invoice_id" text PRIMARY KEY NOT NULL,
	"invoice_number" text,
	"issuer" text NOT NULL,
	"account_id" text NOT NULL,
	"period_key" text NOT NULL,
	"kind" text DEFAULT 'invoice' NOT NULL,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"net" numeric NOT NULL,
	"tax" numeric NOT NULL,
	"total" numeric NOT NULL,
	"lines" jsonb NOT NULL,
	"period_start" text NOT NULL,
	"period_end" text NOT NULL,
	"due_date" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"issued_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "invoicing"."number_sequences" (
	"issuer" text NOT NULL,
	"year" integer NOT NULL,
	"next" integer NOT NULL,
	CONSTRAINT "number_sequences_issuer_year_pk" PRIMARY KEY("issuer","year")
);
--> statement-breakpoint
CREATE TABLE "invoicing"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoicing"."usage" (
	"rated_id" text PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL,
	"account_id" text NOT NULL,
	"line_id" text NOT NULL,
	"period_key" text NOT NULL,
	"period_end" text NOT NULL,
	"service" text NOT NULL,
	"destination" text NOT NULL,
	"units" integer NOT NULL,
	"retail_amount" numeric NOT NULL,
	"wholesale_amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_one_per_period" ON "invoicing"."invoices" USING btree ("account_id","period_key","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number" ON "invoicing"."invoices" USING btree ("issuer","invoice_number");--> statement-breakpoint
CREATE INDEX "usage_account_period" ON "invoicing"."usage" USING btree ("account_id","period_key");