CREATE SCHEMA "provisioning";
--> statement-breakpoint
CREATE TABLE "provisioning"."credentials" (
	"key_id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"partner_id" text,
	"account_id" text,
	"label" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provisioning"."customers" (
	"account_id" text PRIMARY KEY NOT NULL,
	"partner_id" text,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"timezone" text NOT NULL,
	"currency" text NOT NULL,
	"billing" jsonb NOT NULL,
	"credit" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."line_account_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"line_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."line_numbers" (
	"number" text PRIMARY KEY NOT NULL,
	"line_id" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."line_offer_periods" (
	"period_id" bigserial PRIMARY KEY NOT NULL,
	"line_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"channels" integer NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"effective_to" timestamp with time zone,
	"change" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"announced" boolean DEFAULT false NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."lines" (
	"line_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"activated_at" timestamp with time zone NOT NULL,
	"active_from" date NOT NULL,
	"closed_at" timestamp with time zone,
	"active_to" date,
	"closed_user_groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"payg_offer_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."overage_changes" (
	"change_id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"service" text NOT NULL,
	"target" text,
	"held_by" text,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."overage_settings" (
	"account_id" text NOT NULL,
	"service" text NOT NULL,
	"target" text,
	"held_by" text,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "overage_settings_account_id_service_pk" PRIMARY KEY("account_id","service")
);
--> statement-breakpoint
CREATE TABLE "provisioning"."partners" (
	"partner_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning"."retail_price_changes" (
	"change_id" serial PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"rates" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"catalogue_revision" integer,
	"submitted_by" text NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provisioning"."top_ups" (
	"account_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"balance_after" numeric,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "top_ups_account_id_idempotency_key_pk" PRIMARY KEY("account_id","idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "provisioning"."customers" ADD CONSTRAINT "customers_partner_id_partners_partner_id_fk" FOREIGN KEY ("partner_id") REFERENCES "provisioning"."partners"("partner_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."line_account_codes" ADD CONSTRAINT "line_account_codes_line_id_lines_line_id_fk" FOREIGN KEY ("line_id") REFERENCES "provisioning"."lines"("line_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."line_numbers" ADD CONSTRAINT "line_numbers_line_id_lines_line_id_fk" FOREIGN KEY ("line_id") REFERENCES "provisioning"."lines"("line_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."line_offer_periods" ADD CONSTRAINT "line_offer_periods_line_id_lines_line_id_fk" FOREIGN KEY ("line_id") REFERENCES "provisioning"."lines"("line_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."lines" ADD CONSTRAINT "lines_account_id_customers_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "provisioning"."customers"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."overage_settings" ADD CONSTRAINT "overage_settings_account_id_customers_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "provisioning"."customers"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."retail_price_changes" ADD CONSTRAINT "retail_price_changes_partner_id_partners_partner_id_fk" FOREIGN KEY ("partner_id") REFERENCES "provisioning"."partners"("partner_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning"."top_ups" ADD CONSTRAINT "top_ups_account_id_customers_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "provisioning"."customers"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customers_partner" ON "provisioning"."customers" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "line_account_codes_line" ON "provisioning"."line_account_codes" USING btree ("line_id");--> statement-breakpoint
CREATE INDEX "line_numbers_line" ON "provisioning"."line_numbers" USING btree ("line_id");--> statement-breakpoint
CREATE INDEX "line_offer_periods_line" ON "provisioning"."line_offer_periods" USING btree ("line_id","effective_from");--> statement-breakpoint
CREATE INDEX "line_offer_periods_due" ON "provisioning"."line_offer_periods" USING btree ("effective_from") WHERE status = 'active' and not announced;--> statement-breakpoint
CREATE INDEX "lines_account" ON "provisioning"."lines" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "retail_price_changes_partner" ON "provisioning"."retail_price_changes" USING btree ("partner_id","change_id");