# display.q - how the SQL client prints query results: streaming changes
# with the op column, batch results as a final table, and the
# table.display.max-column-width setting.

SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

CREATE TABLE users (id INT, name STRING, happy BOOLEAN, dob TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = 'users', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset');
[INFO] Execute statement succeeded.
!info

INSERT INTO users VALUES
  (1, '30b5c1bb-0ac0-43d3-b812-fcb649fd2b07', TRUE, TIMESTAMP '2001-01-13 20:11:11.123'),
  (2, 'Hi', FALSE, TIMESTAMP '1994-02-14 21:12:11.123'),
  (2, 'Hi again', TRUE, TIMESTAMP '1979-03-15 22:13:11.123');
[INFO] Complete execution of the SQL update statement.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

SELECT * FROM users;
+----+--------------------------------+-------+-------------------------+
| id |                           name | happy |                     dob |
+----+--------------------------------+-------+-------------------------+
|  1 | 30b5c1bb-0ac0-43d3-b812-fcb... |  TRUE | 2001-01-13 20:11:11.123 |
|  2 |                             Hi | FALSE | 1994-02-14 21:12:11.123 |
|  2 |                       Hi again |  TRUE | 1979-03-15 22:13:11.123 |
+----+--------------------------------+-------+-------------------------+
3 rows in set
!ok

SELECT id, COUNT(*) AS cnt FROM users GROUP BY id;
+----+-----+
| id | cnt |
+----+-----+
|  1 |   1 |
|  2 |   2 |
+----+-----+
2 rows in set
!ok

SET 'table.display.max-column-width' = '10';
[INFO] Execute statement succeeded.
!info

SELECT name, dob FROM users;
+------------+------------+
|       name |        dob |
+------------+------------+
| 30b5c1b... | 2001-01... |
|         Hi | 1994-02... |
|   Hi again | 1979-03... |
+------------+------------+
3 rows in set
!ok

SET 'execution.runtime-mode' = 'streaming';
[INFO] Execute statement succeeded.
!info

SET 'table.display.max-column-width' = '12';
[INFO] Execute statement succeeded.
!info

SELECT id, name, dob FROM users WHERE id = 2;
+----+-------------+--------------+-------------------------+
| op |          id |         name |                     dob |
+----+-------------+--------------+-------------------------+
| +I |           2 |           Hi | 1994-02-14 21:12:11.123 |
| +I |           2 |     Hi again | 1979-03-15 22:13:11.123 |
+----+-------------+--------------+-------------------------+
Received a total of 2 rows
!ok
