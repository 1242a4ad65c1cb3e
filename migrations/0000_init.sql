CREATE TABLE `pipeline_script_versions` (
	`script_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`script_id`, `version`),
	FOREIGN KEY (`script_id`) REFERENCES `pipeline_scripts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "pipeline_script_versions_version" CHECK("pipeline_script_versions"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE `pipeline_scripts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`trigger_event` text NOT NULL,
	`layer_index` integer NOT NULL,
	`parallel_index` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`on_error` text DEFAULT 'continue' NOT NULL,
	`instruction_budget` integer DEFAULT 1000000 NOT NULL,
	`current_version` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "pipeline_scripts_on_error" CHECK("pipeline_scripts"."on_error" in ('continue', 'block')),
	CONSTRAINT "pipeline_scripts_slot" CHECK("pipeline_scripts"."layer_index" >= 0 and "pipeline_scripts"."parallel_index" >= 0),
	CONSTRAINT "pipeline_scripts_budget" CHECK("pipeline_scripts"."instruction_budget" > 0)
);
--> statement-breakpoint
CREATE INDEX `script_trigger_idx` ON `pipeline_scripts` (`trigger_event`,`enabled`,`layer_index`,`parallel_index`);--> statement-breakpoint
CREATE UNIQUE INDEX `script_enabled_slot_uq` ON `pipeline_scripts` (`trigger_event`,`layer_index`,`parallel_index`) WHERE "pipeline_scripts"."enabled" = 1;--> statement-breakpoint
CREATE TABLE `pipeline_spans` (
	`id` text PRIMARY KEY NOT NULL,
	`trace_id` text NOT NULL,
	`parent_span_id` text,
	`name` text NOT NULL,
	`kind` text DEFAULT 'INTERNAL' NOT NULL,
	`script_id` text NOT NULL,
	`script_version` integer,
	`layer_index` integer NOT NULL,
	`parallel_index` integer NOT NULL,
	`status` text NOT NULL,
	`status_message` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`duration_ms` real NOT NULL,
	`attributes` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`trace_id`) REFERENCES `pipeline_traces`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "pipeline_spans_id_hex" CHECK(length("pipeline_spans"."id") = 16 and "pipeline_spans"."id" not glob '*[^0-9a-f]*' and "pipeline_spans"."id" != '0000000000000000'),
	CONSTRAINT "pipeline_spans_status" CHECK("pipeline_spans"."status" in ('success', 'blocked', 'error', 'skipped')),
	CONSTRAINT "pipeline_spans_kind" CHECK("pipeline_spans"."kind" in ('INTERNAL', 'SERVER'))
);
--> statement-breakpoint
CREATE INDEX `span_trace_order_idx` ON `pipeline_spans` (`trace_id`,`layer_index`,`parallel_index`);--> statement-breakpoint
CREATE INDEX `span_started_at_idx` ON `pipeline_spans` (`started_at`);--> statement-breakpoint
CREATE INDEX `span_script_started_idx` ON `pipeline_spans` (`script_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `pipeline_traces` (
	`id` text PRIMARY KEY NOT NULL,
	`root_span_id` text NOT NULL,
	`trigger_event` text NOT NULL,
	`status` text NOT NULL,
	`decision` text NOT NULL,
	`status_message` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`duration_ms` real NOT NULL,
	`user_id` text,
	`request_ip` text,
	`context_snapshot` text,
	`result_data` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "pipeline_traces_id_hex" CHECK(length("pipeline_traces"."id") = 32 and "pipeline_traces"."id" not glob '*[^0-9a-f]*' and "pipeline_traces"."id" != '00000000000000000000000000000000'),
	CONSTRAINT "pipeline_traces_status" CHECK("pipeline_traces"."status" in ('success', 'blocked', 'error')),
	CONSTRAINT "pipeline_traces_decision" CHECK("pipeline_traces"."decision" in ('allow', 'block'))
);
--> statement-breakpoint
CREATE INDEX `trace_started_at_idx` ON `pipeline_traces` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `trace_trigger_started_idx` ON `pipeline_traces` (`trigger_event`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `trace_status_started_idx` ON `pipeline_traces` (`status`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `trace_user_started_idx` ON `pipeline_traces` (`user_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `trace_ip_started_idx` ON `pipeline_traces` (`request_ip`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `trace_created_at_idx` ON `pipeline_traces` (`created_at`);