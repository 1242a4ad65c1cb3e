PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_pipeline_spans` (
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
	CONSTRAINT "pipeline_spans_id_hex" CHECK(length("__new_pipeline_spans"."id") = 16 and "__new_pipeline_spans"."id" not glob '*[^0-9a-f]*' and "__new_pipeline_spans"."id" != '0000000000000000'),
	CONSTRAINT "pipeline_spans_status" CHECK("__new_pipeline_spans"."status" in ('success', 'blocked', 'error', 'skipped')),
	CONSTRAINT "pipeline_spans_kind" CHECK("__new_pipeline_spans"."kind" in ('INTERNAL', 'SERVER', 'CLIENT'))
);
--> statement-breakpoint
INSERT INTO `__new_pipeline_spans`("id", "trace_id", "parent_span_id", "name", "kind", "script_id", "script_version", "layer_index", "parallel_index", "status", "status_message", "started_at", "ended_at", "duration_ms", "attributes", "created_at") SELECT "id", "trace_id", "parent_span_id", "name", "kind", "script_id", "script_version", "layer_index", "parallel_index", "status", "status_message", "started_at", "ended_at", "duration_ms", "attributes", "created_at" FROM `pipeline_spans`;--> statement-breakpoint
DROP TABLE `pipeline_spans`;--> statement-breakpoint
ALTER TABLE `__new_pipeline_spans` RENAME TO `pipeline_spans`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `span_trace_order_idx` ON `pipeline_spans` (`trace_id`,`layer_index`,`parallel_index`);--> statement-breakpoint
CREATE INDEX `span_started_at_idx` ON `pipeline_spans` (`started_at`);--> statement-breakpoint
CREATE INDEX `span_script_started_idx` ON `pipeline_spans` (`script_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `pipeline_scripts` ADD `allowed_hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_scripts` ADD `timeout_ms` integer DEFAULT 3000 NOT NULL;