# emit.q - Flink's experimental emit settings for legacy group windows
# (GROUP BY TUMBLE(...)): early firing before the watermark passes a
# window's end, late firing after it within the allowed lateness. The
# window then emits updates: +I, then -U/+U when its result changes.
# Watermarks follow every record here, so lateness is deterministic.

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

SET 'pipeline.auto-watermark-interval' = '0';
[INFO] Execute statement succeeded.
!info

CREATE TABLE clicks (ts TIMESTAMP(3), k STRING, v INT, WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json',
      'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
[INFO] Execute statement succeeded.
!info

INSERT INTO clicks VALUES
  (TIMESTAMP '2026-01-01 00:00:01', 'a', 1),
  (TIMESTAMP '2026-01-01 00:00:02', 'a', 2),
  (TIMESTAMP '2026-01-01 00:00:12', 'a', 5),
  (TIMESTAMP '2026-01-01 00:00:03', 'a', 4),
  (TIMESTAMP '2026-01-01 00:00:16', 'a', 1),
  (TIMESTAMP '2026-01-01 00:00:04', 'a', 100);
[INFO] Complete execution of the SQL update statement.
!info

# Without the settings: one row per window, on time; the late rows are
# dropped.
SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
+----+--------------------------------+-------------------------+-------------+
| op |                              k |                      ws |       total |
+----+--------------------------------+-------------------------+-------------+
| +I |                              a | 2026-01-01 00:00:00.000 |           3 |
| +I |                              a | 2026-01-01 00:00:10.000 |           6 |
+----+--------------------------------+-------------------------+-------------+
Received a total of 2 rows
!ok

SET 'table.exec.emit.early-fire.enabled' = 'true';
[INFO] Execute statement succeeded.
!info

# Early firing needs its delay.
SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 2, column 25 near "TUMBLE": Early firing is enabled but 'table.exec.emit.early-fire.delay' is not set (0 fires after every row)
!error

SET 'table.exec.emit.early-fire.delay' = '0 s';
[INFO] Execute statement succeeded.
!info

SET 'table.exec.emit.late-fire.enabled' = 'true';
[INFO] Execute statement succeeded.
!info

SET 'table.exec.emit.late-fire.delay' = '0 s';
[INFO] Execute statement succeeded.
!info

# Late firing needs an allowed lateness.
SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 2, column 25 near "TUMBLE": late firing ('table.exec.emit.late-fire.enabled') needs 'table.exec.emit.allow-lateness' greater than 0
!error

SET 'table.exec.emit.allow-lateness' = '5 s';
[INFO] Execute statement succeeded.
!info

# Every row updates its window early; the row at 00:03 is late but within
# the 5 s lateness and updates the first window after it fired; the row
# at 00:04 comes after the watermark passed 00:09.999 + 5 s and is dropped.
SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
+----+--------------------------------+-------------------------+-------------+
| op |                              k |                      ws |       total |
+----+--------------------------------+-------------------------+-------------+
| +I |                              a | 2026-01-01 00:00:00.000 |           1 |
| -U |                              a | 2026-01-01 00:00:00.000 |           1 |
| +U |                              a | 2026-01-01 00:00:00.000 |           3 |
| +I |                              a | 2026-01-01 00:00:10.000 |           5 |
| -U |                              a | 2026-01-01 00:00:00.000 |           3 |
| +U |                              a | 2026-01-01 00:00:00.000 |           7 |
| -U |                              a | 2026-01-01 00:00:10.000 |           5 |
| +U |                              a | 2026-01-01 00:00:10.000 |           6 |
+----+--------------------------------+-------------------------+-------------+
Received a total of 8 rows
!ok

EXPLAIN SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
== Physical Plan ==
Sink(table=[*client*], fields=[k, ws, total]) changelogMode=[I,UB,UA,D]
+- Calc(select=[k, window_start AS ws, total]) changelogMode=[I,UB,UA,D]
   +- WindowAggregate(groupBy=[k], window=[TUMBLE(time_col=[ts], size=[10 s])], select=[k, SUM(v) AS total, start('w$) AS window_start, end('w$) AS window_end, rowtime('w$) AS window_time], emit=[early no delay, late no delay, allow lateness 5 s]) rowtime=[window_time], changelogMode=[I,UB,UA,D]
      +- WatermarkAssigner(rowtime=[ts], watermark=[ts]) rowtime=[ts], changelogMode=[I]
         +- TableSourceScan(table=[clicks], connector=[kafka], topic=[clicks], format=[json], fields=[ts, k, v]) rowtime=[ts], changelogMode=[I]
!ok

# Session windows refuse early and late firing, as in Flink.
SELECT k, SESSION_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS total
FROM clicks GROUP BY k, SESSION(ts, INTERVAL '10' SECOND);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 2, column 25 near "SESSION": Session window doesn't support EMIT strategy currently ('table.exec.emit.early-fire.enabled' / 'late-fire.enabled')
!error

# A sink that takes only inserts refuses the updates.
CREATE TABLE out_kafka (k STRING, ws TIMESTAMP(3), total INT)
WITH ('connector' = 'kafka', 'topic' = 'out_kafka', 'format' = 'json');
[INFO] Execute statement succeeded.
!info

INSERT INTO out_kafka SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND), SUM(v)
FROM clicks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "INSERT": Table sink 'out_kafka' doesn't support consuming update changes which is produced by node WindowAggregate(groupBy=[k], window=[TUMBLE(time_col=[ts], size=[10 s])], select=[k, SUM(v) AS EXPR$0, start('w$) AS window_start, end('w$) AS window_end, rowtime('w$) AS window_time], emit=[early no delay, late no delay, allow lateness 5 s])
!error
