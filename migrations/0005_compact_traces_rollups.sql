CREATE TABLE `pipeline_rollups` (
	`minute` integer NOT NULL,
	`trigger_event` text NOT NULL,
	`script_id` text NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`success` integer DEFAULT 0 NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`shadow_runs` integer DEFAULT 0 NOT NULL,
	`would_block` integer DEFAULT 0 NOT NULL,
	`would_error` integer DEFAULT 0 NOT NULL,
	`http_calls` integer DEFAULT 0 NOT NULL,
	`duration_max` real,
	`instructions_max` integer,
	`http_max` real,
	`duration_hist` text DEFAULT '{}' NOT NULL,
	`instructions_hist` text DEFAULT '{}' NOT NULL,
	`http_hist` text DEFAULT '{}' NOT NULL,
	PRIMARY KEY(`minute`, `trigger_event`, `script_id`)
);
--> statement-breakpoint
DROP INDEX `span_script_started_idx`;--> statement-breakpoint
ALTER TABLE `pipeline_spans` ADD `on_error` text;--> statement-breakpoint
ALTER TABLE `pipeline_spans` ADD `instruction_budget` integer;--> statement-breakpoint
ALTER TABLE `pipeline_spans` ADD `instructions` integer;--> statement-breakpoint
DROP INDEX `trace_created_at_idx`;--> statement-breakpoint
ALTER TABLE `pipeline_traces` ADD `instructions` integer;--> statement-breakpoint
ALTER TABLE `pipeline_traces` ADD `layer_prev` text;--> statement-breakpoint
-- Data carried forward into the compact shape (src/engine/stored-trace.ts). 1. Each layer's prev,
-- once per trace, from the spans that each stored it (all spans of a layer saw the same prev).
UPDATE `pipeline_traces` SET `layer_prev` = (
  SELECT json_group_object(cast(`layer_index` as text), json_extract(`attributes`, '$.input.prev'))
  FROM (
    SELECT `layer_index`, min(`attributes`) AS `attributes` FROM `pipeline_spans`
    WHERE `trace_id` = `pipeline_traces`.`id` AND json_valid(`attributes`)
      AND json_type(`attributes`, '$.input.prev') = 'object'
    GROUP BY `layer_index`
  )
) WHERE `layer_prev` IS NULL;--> statement-breakpoint
-- 2. The run settings and instructions move to columns.
UPDATE `pipeline_spans` SET
  `on_error` = json_extract(`attributes`, '$.on_error'),
  `instruction_budget` = json_extract(`attributes`, '$.instruction_budget'),
  `instructions` = coalesce(json_extract(`attributes`, '$.instructions'), 0),
  `attributes` = json_remove(`attributes`, '$.script_version', '$.on_error', '$.instruction_budget', '$.instructions')
WHERE `kind` != 'CLIENT' AND json_valid(`attributes`) AND json_type(`attributes`) = 'object';--> statement-breakpoint
-- 3. The input leaves the spans (rebuilt on read); an input cut to a truncation marker stays.
UPDATE `pipeline_spans` SET `attributes` = json_remove(`attributes`, '$.input')
WHERE json_valid(`attributes`) AND json_type(`attributes`, '$.input.prev') = 'object';--> statement-breakpoint
-- 4. A parent that is the trace's root span is stored as null.
UPDATE `pipeline_spans` SET `parent_span_id` = NULL
WHERE `parent_span_id` = (SELECT `root_span_id` FROM `pipeline_traces` WHERE `pipeline_traces`.`id` = `pipeline_spans`.`trace_id`);--> statement-breakpoint
-- 5. A trace's instructions: the sum over its script runs.
UPDATE `pipeline_traces` SET `instructions` = (
  SELECT coalesce(sum(`instructions`), 0) FROM `pipeline_spans` `s`
  WHERE `s`.`trace_id` = `pipeline_traces`.`id` AND `s`.`kind` != 'CLIENT' AND `s`.`status` != 'skipped'
) WHERE `instructions` IS NULL;--> statement-breakpoint
-- 6. Rollups of the traces already stored (bucket = ⌈ln v / ln 1.1⌉, 'z' for v ≤ 0: src/stats/histogram.ts).
INSERT INTO `pipeline_rollups` (`minute`, `trigger_event`, `script_id`, `calls`, `success`, `blocked`, `errors`,
  `duration_max`, `duration_hist`, `instructions_max`, `instructions_hist`)
WITH `t` AS (
  SELECT (`started_at` / 60000) * 60000 AS `minute`, `trigger_event`, `status`, `duration_ms` AS `d`,
    coalesce(`instructions`, 0) AS `i`
  FROM `pipeline_traces`
), `b` AS (
  SELECT `minute`, `trigger_event`, `status`, `d`, `i`,
    CASE WHEN `d` > 0 THEN cast(cast(ceil(ln(`d`) / ln(1.1) - 1e-9) AS integer) AS text) ELSE 'z' END AS `db`,
    CASE WHEN `i` > 0 THEN cast(cast(ceil(ln(`i`) / ln(1.1) - 1e-9) AS integer) AS text) ELSE 'z' END AS `ib`
  FROM `t`
), `dh` AS (
  SELECT `minute`, `trigger_event`, json_group_object(`db`, `n`) AS `h`
  FROM (SELECT `minute`, `trigger_event`, `db`, count(*) AS `n` FROM `b` GROUP BY 1, 2, 3) GROUP BY 1, 2
), `ih` AS (
  SELECT `minute`, `trigger_event`, json_group_object(`ib`, `n`) AS `h`
  FROM (SELECT `minute`, `trigger_event`, `ib`, count(*) AS `n` FROM `b` GROUP BY 1, 2, 3) GROUP BY 1, 2
), `c` AS (
  SELECT `minute`, `trigger_event`, count(*) AS `calls`, sum(`status` = 'success') AS `success`,
    sum(`status` = 'blocked') AS `blocked`, sum(`status` = 'error') AS `errors`, max(`d`) AS `dmax`, max(`i`) AS `imax`
  FROM `b` GROUP BY 1, 2
)
SELECT `c`.`minute`, `c`.`trigger_event`, '', `calls`, `success`, `blocked`, `errors`, `dmax`, `dh`.`h`, `imax`, `ih`.`h`
FROM `c` JOIN `dh` USING (`minute`, `trigger_event`) JOIN `ih` USING (`minute`, `trigger_event`)
WHERE true ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO `pipeline_rollups` (`minute`, `trigger_event`, `script_id`, `calls`, `success`, `blocked`, `errors`,
  `skipped`, `duration_max`, `duration_hist`, `instructions_max`, `instructions_hist`)
WITH `s` AS (
  SELECT (`t`.`started_at` / 60000) * 60000 AS `minute`, `t`.`trigger_event`, `s`.`script_id`, `s`.`status`,
    `s`.`duration_ms` AS `d`, coalesce(`s`.`instructions`, 0) AS `i`
  FROM `pipeline_spans` `s` JOIN `pipeline_traces` `t` ON `t`.`id` = `s`.`trace_id`
  WHERE `s`.`kind` != 'CLIENT'
), `b` AS (
  SELECT *,
    CASE WHEN `d` > 0 THEN cast(cast(ceil(ln(`d`) / ln(1.1) - 1e-9) AS integer) AS text) ELSE 'z' END AS `db`,
    CASE WHEN `i` > 0 THEN cast(cast(ceil(ln(`i`) / ln(1.1) - 1e-9) AS integer) AS text) ELSE 'z' END AS `ib`
  FROM `s`
), `dh` AS (
  SELECT `minute`, `trigger_event`, `script_id`, json_group_object(`db`, `n`) AS `h`
  FROM (SELECT `minute`, `trigger_event`, `script_id`, `db`, count(*) AS `n` FROM `b` WHERE `status` != 'skipped' GROUP BY 1, 2, 3, 4)
  GROUP BY 1, 2, 3
), `ih` AS (
  SELECT `minute`, `trigger_event`, `script_id`, json_group_object(`ib`, `n`) AS `h`
  FROM (SELECT `minute`, `trigger_event`, `script_id`, `ib`, count(*) AS `n` FROM `b` WHERE `status` != 'skipped' GROUP BY 1, 2, 3, 4)
  GROUP BY 1, 2, 3
), `c` AS (
  SELECT `minute`, `trigger_event`, `script_id`, count(*) AS `calls`, sum(`status` = 'success') AS `success`,
    sum(`status` = 'blocked') AS `blocked`, sum(`status` = 'error') AS `errors`, sum(`status` = 'skipped') AS `skipped`,
    max(CASE WHEN `status` != 'skipped' THEN `d` END) AS `dmax`, max(CASE WHEN `status` != 'skipped' THEN `i` END) AS `imax`
  FROM `b` GROUP BY 1, 2, 3
)
SELECT `c`.`minute`, `c`.`trigger_event`, `c`.`script_id`, `calls`, `success`, `blocked`, `errors`, `skipped`, `dmax`,
  coalesce(`dh`.`h`, '{}'), `imax`, coalesce(`ih`.`h`, '{}')
FROM `c` LEFT JOIN `dh` USING (`minute`, `trigger_event`, `script_id`) LEFT JOIN `ih` USING (`minute`, `trigger_event`, `script_id`)
WHERE true ON CONFLICT DO NOTHING;--> statement-breakpoint
-- 7. The scripts' outbound HTTP calls (CLIENT spans) onto their script rows.
INSERT INTO `pipeline_rollups` (`minute`, `trigger_event`, `script_id`, `http_calls`, `http_max`, `http_hist`)
WITH `b` AS (
  SELECT (`t`.`started_at` / 60000) * 60000 AS `minute`, `t`.`trigger_event`, `s`.`script_id`, `s`.`duration_ms` AS `d`,
    CASE WHEN `s`.`duration_ms` > 0 THEN cast(cast(ceil(ln(`s`.`duration_ms`) / ln(1.1) - 1e-9) AS integer) AS text) ELSE 'z' END AS `db`
  FROM `pipeline_spans` `s` JOIN `pipeline_traces` `t` ON `t`.`id` = `s`.`trace_id`
  WHERE `s`.`kind` = 'CLIENT'
), `h` AS (
  SELECT `minute`, `trigger_event`, `script_id`, json_group_object(`db`, `n`) AS `h`, sum(`n`) AS `calls`, max(`dmax`) AS `dmax`
  FROM (SELECT `minute`, `trigger_event`, `script_id`, `db`, count(*) AS `n`, max(`d`) AS `dmax` FROM `b` GROUP BY 1, 2, 3, 4)
  GROUP BY 1, 2, 3
)
SELECT `minute`, `trigger_event`, `script_id`, `calls`, `dmax`, `h` FROM `h`
WHERE true ON CONFLICT DO UPDATE SET `http_calls` = `excluded`.`http_calls`, `http_max` = `excluded`.`http_max`,
  `http_hist` = `excluded`.`http_hist`;
