CREATE SCHEMA "charging";
--> statement-breakpoint
CREATE TABLE "charging"."accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"balance" numeric DEFAULT '0' NOT NULL,
	"mode" text DEFAULT 'prepaid' NOT NULL,
	"blocked" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charging"."ledger" (
	"entry_id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"cause" text NOT NULL,
	"cause_ref" text NOT NULL,
	"amount" numeric NOT NULL,
	"balance_after" numeric NOT NULL,
	"currency" text NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charging"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_cause_unique" ON "charging"."ledger" USING btree ("cause","cause_ref");--> statement-breakpoint
CREATE INDEX "ledger_account" ON "charging"."ledger" USING btree ("account_id","entry_id");