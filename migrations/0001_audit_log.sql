CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`request_id` text NOT NULL,
	`before_version` integer,
	`after_version` integer,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_target_at_idx` ON `audit_log` (`target_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_actor_at_idx` ON `audit_log` (`actor`,`at`,`id`);