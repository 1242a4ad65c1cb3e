CREATE TABLE `script_secrets` (
	`script_id` text NOT NULL,
	`name` text NOT NULL,
	`key_id` text NOT NULL,
	`iv` text NOT NULL,
	`ciphertext` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`script_id`, `name`),
	FOREIGN KEY (`script_id`) REFERENCES `pipeline_scripts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `script_secrets_key_idx` ON `script_secrets` (`key_id`);