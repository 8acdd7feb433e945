# set_ops.q - set operations as Flink's docs show them: UNION is the
# distinct rows of UNION ALL; INTERSECT keeps the distinct rows found on
# both sides and EXCEPT those of the left side not found on the right
# (NULLs equal to each other); a chain runs left to right, a parenthesized
# one first.

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

CREATE VIEW t1(s) AS VALUES ('c'), ('a'), ('b'), ('b'), ('c'), (CAST(NULL AS STRING));
[INFO] Execute statement succeeded.
!info

CREATE VIEW t2(s) AS VALUES ('d'), ('e'), ('a'), ('b'), ('b'), (CAST(NULL AS STRING));
[INFO] Execute statement succeeded.
!info

SELECT * FROM ((SELECT s FROM t1) UNION (SELECT s FROM t2)) ORDER BY s;
+--------+
|      s |
+--------+
| <NULL> |
|      a |
|      b |
|      c |
|      d |
|      e |
+--------+
6 rows in set
!ok

SELECT * FROM (SELECT s FROM t1 INTERSECT SELECT s FROM t2) ORDER BY s;
+--------+
|      s |
+--------+
| <NULL> |
|      a |
|      b |
+--------+
3 rows in set
!ok

SELECT * FROM (SELECT s FROM t1 EXCEPT SELECT s FROM t2);
+---+
| s |
+---+
| c |
+---+
1 row in set
!ok

SELECT * FROM (SELECT s FROM t2 EXCEPT SELECT s FROM t1) ORDER BY s;
+---+
| s |
+---+
| d |
| e |
+---+
2 rows in set
!ok

# Left to right: (t1 UNION ALL t2) EXCEPT t2; then the group first.
SELECT * FROM (SELECT s FROM t1 UNION ALL SELECT s FROM t2 EXCEPT SELECT s FROM t2);
+---+
| s |
+---+
| c |
+---+
1 row in set
!ok

SELECT * FROM (SELECT s FROM t1 UNION ALL (SELECT s FROM t2 EXCEPT SELECT s FROM t1)) ORDER BY s;
+--------+
|      s |
+--------+
| <NULL> |
|      a |
|      b |
|      b |
|      c |
|      c |
|      d |
|      e |
+--------+
8 rows in set
!ok

SELECT COUNT(*) AS n FROM (SELECT s FROM t1 INTERSECT SELECT s FROM t2);
+---+
| n |
+---+
| 3 |
+---+
1 row in set
!ok

# The ALL forms: each row as often as both sides have it (INTERSECT
# ALL), or as the left side has it more often than the right (EXCEPT ALL).
SELECT * FROM (SELECT s FROM t1 INTERSECT ALL SELECT s FROM t2) ORDER BY s;
+--------+
|      s |
+--------+
| <NULL> |
|      a |
|      b |
|      b |
+--------+
4 rows in set
!ok

SELECT * FROM (SELECT s FROM t1 EXCEPT ALL SELECT s FROM t2) ORDER BY s;
+---+
| s |
+---+
| c |
| c |
+---+
2 rows in set
!ok

SELECT * FROM (SELECT s FROM t1 UNION ALL SELECT s FROM t1 EXCEPT ALL SELECT s FROM t2) ORDER BY s;
+--------+
|      s |
+--------+
| <NULL> |
|      a |
|      b |
|      b |
|      c |
|      c |
|      c |
|      c |
+--------+
8 rows in set
!ok

SELECT s, s FROM t1 EXCEPT SELECT s FROM t2;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 28 near "SELECT": Column count mismatch in EXCEPT
!error
