# statement_set.q - BEGIN STATEMENT SET keeps the INSERTs (and CREATE
# TABLE ... AS SELECTs) that follow, checked, until END submits them;
# any other statement in an open set is refused, as is END without one.

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

CREATE TABLE a (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '$VAR_A_PATH', 'format' = 'csv');
[INFO] Execute statement succeeded.
!info

CREATE TABLE b (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '$VAR_B_PATH', 'format' = 'csv');
[INFO] Execute statement succeeded.
!info

END;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "END": No Statement Set to submit. 'END' statement should be used after 'BEGIN STATEMENT SET'.
!error

BEGIN STATEMENT SET;
[INFO] Execute statement succeeded.
!info

BEGIN STATEMENT SET;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "BEGIN": Only 'INSERT/CREATE TABLE AS' statement is allowed in Statement Set or use 'END' statement to submit Statement Set.
!error

SHOW TABLES;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SHOW": Only 'INSERT/CREATE TABLE AS' statement is allowed in Statement Set or use 'END' statement to submit Statement Set.
!error

INSERT INTO a VALUES (1, 'one'), (2, 'two');
[INFO] Execute statement succeeded.
!info

# An INSERT that does not plan is refused when it is added; the set stays open.
INSERT INTO a SELECT nope FROM b;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 22 near "nope": Column 'nope' not found in any table
!error

INSERT INTO b SELECT id * 10, UPPER(s) FROM (VALUES (3, 'three')) AS T(id, s);
[INFO] Execute statement succeeded.
!info

CREATE TABLE c WITH ('connector' = 'filesystem', 'path' = '$VAR_C_PATH', 'format' = 'csv') AS SELECT 7 AS n;
[INFO] Execute statement succeeded.
!info

# END runs them in order.
END;
[INFO] Complete execution of the SQL update statement.
!info

SELECT * FROM a ORDER BY id;
+----+-----+
| id |   s |
+----+-----+
|  1 | one |
|  2 | two |
+----+-----+
2 rows in set
!ok

SELECT * FROM b;
+----+-------+
| id |     s |
+----+-------+
| 30 | THREE |
+----+-------+
1 row in set
!ok

SELECT * FROM c;
+---+
| n |
+---+
| 7 |
+---+
1 row in set
!ok

# An empty set submits nothing.
BEGIN STATEMENT SET;
[INFO] Execute statement succeeded.
!info

END;
[INFO] Execute statement succeeded.
!info
