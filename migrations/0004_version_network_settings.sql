ALTER TABLE `pipeline_script_versions` ADD `allowed_hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_script_versions` ADD `timeout_ms` integer DEFAULT 3000 NOT NULL;--> statement-breakpoint
-- Hand-written: each script's current version takes the settings the script row held.
UPDATE `pipeline_script_versions` SET `allowed_hosts` = (SELECT s.`allowed_hosts` FROM `pipeline_scripts` s WHERE s.`id` = `pipeline_script_versions`.`script_id`), `timeout_ms` = (SELECT s.`timeout_ms` FROM `pipeline_scripts` s WHERE s.`id` = `pipeline_script_versions`.`script_id`) WHERE `version` = (SELECT s.`current_version` FROM `pipeline_scripts` s WHERE s.`id` = `pipeline_script_versions`.`script_id`);--> statement-breakpoint
ALTER TABLE `pipeline_scripts` DROP COLUMN `allowed_hosts`;--> statement-breakpoint
ALTER TABLE `pipeline_scripts` DROP COLUMN `timeout_ms`;