ALTER TABLE `pipeline_script_versions` ADD `on_error` text DEFAULT 'continue' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_script_versions` ADD `instruction_budget` integer DEFAULT 1000000 NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_script_versions` ADD `mode` text DEFAULT 'enforce' NOT NULL;--> statement-breakpoint
ALTER TABLE `pipeline_scripts` ADD `mode` text DEFAULT 'enforce' NOT NULL;--> statement-breakpoint
-- Hand-written: versions saved before run settings were versioned take their script's current settings.
UPDATE `pipeline_script_versions` SET `on_error` = (SELECT s.`on_error` FROM `pipeline_scripts` s WHERE s.`id` = `pipeline_script_versions`.`script_id`), `instruction_budget` = (SELECT s.`instruction_budget` FROM `pipeline_scripts` s WHERE s.`id` = `pipeline_script_versions`.`script_id`);
