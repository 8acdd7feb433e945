# result_modes.q - sql-client.execution.result-mode: tableau (Flink's
# tableau format: a box, a line per change with its op), changelog (a line
# per change, no box) and table (the materialized result; printed when the
# query ends because this output is not a terminal).

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SELECT id, COUNT(*) AS cnt, MAX(str) AS last_str
FROM (VALUES (1, 'Hello World'), (2, 'Hi'), (2, 'Hi again')) AS T(id, str)
GROUP BY id;
+----+-------------+----------------------+--------------------------------+
| op |          id |                  cnt |                       last_str |
+----+-------------+----------------------+--------------------------------+
| +I |           1 |                    1 |                    Hello World |
| +I |           2 |                    1 |                             Hi |
| -U |           2 |                    1 |                             Hi |
| +U |           2 |                    2 |                       Hi again |
+----+-------------+----------------------+--------------------------------+
Received a total of 4 rows
!ok

SET 'sql-client.execution.result-mode' = 'changelog';
[INFO] Execute statement succeeded.
!info

SELECT id, COUNT(*) AS cnt, MAX(str) AS last_str
FROM (VALUES (1, 'Hello World'), (2, 'Hi'), (2, 'Hi again')) AS T(id, str)
GROUP BY id;
 op          id                  cnt                       last_str
 +I           1                    1                    Hello World
 +I           2                    1                             Hi
 -U           2                    1                             Hi
 +U           2                    2                       Hi again
!ok

SET 'sql-client.execution.result-mode' = 'table';
[INFO] Execute statement succeeded.
!info

SELECT id, COUNT(*) AS cnt, MAX(str) AS last_str
FROM (VALUES (1, 'Hello World'), (2, 'Hi'), (2, 'Hi again')) AS T(id, str)
GROUP BY id;
+----+-----+-------------+
| id | cnt |    last_str |
+----+-----+-------------+
|  1 |   1 | Hello World |
|  2 |   2 |    Hi again |
+----+-----+-------------+
2 rows in set
!ok

# A row that is deleted leaves the table.
SELECT cnt, COUNT(*) AS ids
FROM (SELECT id, COUNT(*) AS cnt FROM (VALUES (1), (2), (2)) AS T(id) GROUP BY id)
GROUP BY cnt;
+-----+-----+
| cnt | ids |
+-----+-----+
|   1 |   1 |
|   2 |   1 |
+-----+-----+
2 rows in set
!ok

SET 'sql-client.execution.max-table-result.rows' = '1';
[INFO] Execute statement succeeded.
!info

SELECT id FROM (VALUES (1), (2), (3)) AS T(id);
+----+
| id |
+----+
|  3 |
+----+
1 row in set
!ok

SET 'sql-client.execution.result-mode' = 'pretty';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'sql-client.execution.result-mode': 'pretty' is not one of table, changelog, tableau
!error
