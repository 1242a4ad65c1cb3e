CREATE TABLE `pipeline_span_heads` (
	`id` text PRIMARY KEY NOT NULL,
	`heads` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pipeline_span_sets` (
	`started_at` integer NOT NULL,
	`trace_id` text NOT NULL,
	`part` integer NOT NULL,
	`heads` text,
	`ids` blob NOT NULL,
	`spans` blob NOT NULL,
	PRIMARY KEY(`started_at`, `trace_id`, `part`),
	CONSTRAINT "pipeline_span_sets_ids" CHECK(length("pipeline_span_sets"."ids") % 8 = 0 and length("pipeline_span_sets"."ids") > 0)
);
--> statement-breakpoint
-- Data: every row of pipeline_spans (script and CLIENT spans) into one span set per trace, in
-- the packed form of src/db/span-codec.ts, as plain JSON text (SQL cannot deflate; the readers
-- take both). The script spans' heads go to pipeline_span_heads, one row per distinct list, under a
-- key 'm' + 20 hex (never equal to a writer's 22-character key); a CLIENT span carries its head.
-- A set's start is its trace's (an orphan span's set: its earliest span's, for the orphan walk).
CREATE TABLE `__0007_head` AS
  SELECT trace_id, head, row_number() OVER (PARTITION BY trace_id ORDER BY head) - 1 AS ref
  FROM (SELECT DISTINCT trace_id,
          json_array(script_id, script_version, layer_index, parallel_index, name, on_error, instruction_budget) AS head
        FROM pipeline_spans WHERE kind = 'INTERNAL');
--> statement-breakpoint
CREATE TABLE `__0007_list` AS
  SELECT trace_id, json_group_array(json(head) ORDER BY ref) AS heads FROM `__0007_head` GROUP BY trace_id;
--> statement-breakpoint
CREATE TABLE `__0007_key` AS
  SELECT heads, 'm' || lower(hex(randomblob(10))) AS id FROM (SELECT DISTINCT heads FROM `__0007_list`);
--> statement-breakpoint
INSERT INTO `pipeline_span_heads` (`id`, `heads`) SELECT id, heads FROM `__0007_key`;
--> statement-breakpoint
CREATE TABLE `__0007_base` AS
  SELECT s.trace_id, coalesce(t.started_at, min(s.started_at)) AS t0, t.root_span_id AS root
  FROM pipeline_spans s LEFT JOIN pipeline_traces t ON t.id = s.trace_id GROUP BY s.trace_id;
--> statement-breakpoint
INSERT INTO `pipeline_span_sets` (`started_at`, `trace_id`, `part`, `heads`, `ids`, `spans`)
SELECT t0, trace_id, 0, heads_key,
  unhex(group_concat(id, '' ORDER BY layer_index, parallel_index, started_at, id)),
  json_group_array(json(packed) ORDER BY layer_index, parallel_index, started_at, id)
FROM (
  SELECT s.trace_id, s.id, s.layer_index, s.parallel_index, s.started_at, b.t0, k.id AS heads_key,
    json_array(
      CASE WHEN h.ref IS NOT NULL THEN h.ref
        ELSE json_array(s.script_id, s.script_version, s.layer_index, s.parallel_index, s.name, s.on_error,
          s.instruction_budget) END,
      CASE s.status WHEN 'success' THEN 0 WHEN 'blocked' THEN 1 WHEN 'error' THEN 2 ELSE 3 END,
      s.started_at - b.t0, s.duration_ms, s.instructions, s.attributes, s.status_message,
      cast(s.ended_at - s.started_at - round(s.duration_ms) AS integer),
      CASE WHEN s.parent_span_id IS NULL OR s.parent_span_id = b.root THEN NULL ELSE s.parent_span_id END,
      CASE s.kind WHEN 'INTERNAL' THEN 0 WHEN 'SERVER' THEN 1 ELSE 2 END,
      NULL, s.created_at - s.started_at) AS packed
  FROM pipeline_spans s
    JOIN `__0007_base` b ON b.trace_id = s.trace_id
    LEFT JOIN `__0007_head` h ON s.kind = 'INTERNAL' AND h.trace_id = s.trace_id
      AND h.head = json_array(s.script_id, s.script_version, s.layer_index, s.parallel_index, s.name, s.on_error,
        s.instruction_budget)
    LEFT JOIN `__0007_list` l ON l.trace_id = s.trace_id
    LEFT JOIN `__0007_key` k ON k.heads = l.heads
)
GROUP BY trace_id;
--> statement-breakpoint
DROP TABLE `__0007_head`;
--> statement-breakpoint
DROP TABLE `__0007_list`;
--> statement-breakpoint
DROP TABLE `__0007_key`;
--> statement-breakpoint
DROP TABLE `__0007_base`;
--> statement-breakpoint
DROP TABLE `pipeline_spans`;