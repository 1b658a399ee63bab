CREATE SCHEMA "rating";
--> statement-breakpoint
CREATE TABLE "rating"."catalogue_documents" (
	"revision" serial PRIMARY KEY NOT NULL,
	"catalogue_id" text NOT NULL,
	"document" jsonb NOT NULL,
	"applied_by" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rating"."line_states" (
	"line_id" text NOT NULL,
	"period_key" text NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "line_states_line_id_period_key_pk" PRIMARY KEY("line_id","period_key")
);
--> statement-breakpoint
CREATE TABLE "rating"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rating"."rated_events" (
	"rated_id" text PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL,
	"outcome" text NOT NULL,
	"account_id" text NOT NULL,
	"line_id" text NOT NULL,
	"period_key" text,
	"start_time" timestamp with time zone NOT NULL,
	"message" jsonb NOT NULL,
	"rated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rated_events_account_period" ON "rating"."rated_events" USING btree ("account_id","period_key","start_time");