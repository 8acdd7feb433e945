# ctas.q - CREATE TABLE ... WITH (...) AS SELECT creates a table with the
# query's columns (names, types, NOT NULL) and inserts the query's rows.

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

CREATE TABLE totals WITH ('connector' = 'filesystem', 'path' = '$VAR_CTAS_PATH', 'format' = 'csv')
AS SELECT id, CAST(amount AS DECIMAL(5, 2)) AS amount, UPPER(name) AS name
FROM (VALUES (1, 10, 'a'), (2, 20, 'b')) AS T(id, amount, name);
[INFO] Complete execution of the SQL update statement.
!info

DESC totals;
+--------+---------------+-------+-----+--------+-----------+
|   name |          type |  null | key | extras | watermark |
+--------+---------------+-------+-----+--------+-----------+
|     id |           INT | FALSE |     |        |           |
| amount | DECIMAL(5, 2) | FALSE |     |        |           |
|   name |        STRING |  TRUE |     |        |           |
+--------+---------------+-------+-----+--------+-----------+
3 rows in set
!ok

SELECT * FROM totals;
+----+-------------+---------+--------------------------------+
| op |          id |  amount |                           name |
+----+-------------+---------+--------------------------------+
| +I |           1 |   10.00 |                              A |
| +I |           2 |   20.00 |                              B |
+----+-------------+---------+--------------------------------+
Received a total of 2 rows
!ok

# The table exists now.
CREATE TABLE totals WITH ('connector' = 'filesystem', 'path' = '$VAR_CTAS_PATH', 'format' = 'csv') AS SELECT 1 AS id;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 14 near "totals": Table (or view) default_database.totals already exists in Catalog default_catalog.
!error

# IF NOT EXISTS inserts into the existing table.
CREATE TABLE IF NOT EXISTS totals WITH ('connector' = 'filesystem', 'path' = '$VAR_CTAS_PATH', 'format' = 'csv')
AS SELECT 3 AS id, CAST(30 AS DECIMAL(5, 2)) AS amount, 'C' AS name;
[INFO] Complete execution of the SQL update statement.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

SELECT * FROM totals ORDER BY id;
+----+--------+------+
| id | amount | name |
+----+--------+------+
|  1 |  10.00 |    A |
|  2 |  20.00 |    B |
|  3 |  30.00 |    C |
+----+--------+------+
3 rows in set
!ok

# A query that does not plan leaves no table behind.
CREATE TABLE broken WITH ('connector' = 'blackhole') AS SELECT nope FROM totals;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 64 near "nope": Column 'nope' not found in any table; did you mean 'name'?
!error

SHOW TABLES;
+------------+
| table name |
+------------+
|     totals |
+------------+
1 row in set
!ok

# OR REPLACE replaces the table (its columns too) and fills it anew.
CREATE OR REPLACE TABLE totals WITH ('connector' = 'filesystem', 'path' = '$VAR_CTAS2_PATH', 'format' = 'csv')
AS SELECT id * 10 AS tenfold FROM (VALUES (1), (2)) AS T(id);
[INFO] Complete execution of the SQL update statement.
!info

SELECT * FROM totals;
+---------+
| tenfold |
+---------+
|      10 |
|      20 |
+---------+
2 rows in set
!ok
