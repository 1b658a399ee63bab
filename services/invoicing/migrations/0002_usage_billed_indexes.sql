-- The usage an invoice billed is looked up by invoice (a correction, a re-closed period), never for null:
-- indexing only billed rows keeps two index entries off every rated CDR recorded, most of which is not billed yet.
DROP INDEX "invoicing"."usage_invoice";--> statement-breakpoint
DROP INDEX "invoicing"."usage_partner_invoice";--> statement-breakpoint
CREATE INDEX "usage_invoice" ON "invoicing"."usage" USING btree ("invoice_id") WHERE invoice_id is not null;--> statement-breakpoint
CREATE INDEX "usage_partner_invoice" ON "invoicing"."usage" USING btree ("partner_invoice_id") WHERE partner_invoice_id is not null;