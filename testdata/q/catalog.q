# catalog.q - Flink's catalog statements in Tumble's SQL client, in the
# format of Flink's own SQL client tests (tumble test testdata/q/catalog.q;
# -update rewrites the expected output: read the diff).

CREATE TABLE orders (
  `user` BIGINT NOT NULL COMMENT 'who ordered',
  product VARCHAR(32),
  amount INT,
  ts TIMESTAMP(3),
  ptime AS PROCTIME(),
  PRIMARY KEY (`user`) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECONDS
) WITH ('connector' = 'datagen');
[INFO] Execute statement succeeded.
!info

CREATE VIEW big AS SELECT `user`, amount FROM orders WHERE amount > 10;
[INFO] Execute statement succeeded.
!info

CREATE TEMPORARY VIEW recent AS SELECT * FROM orders;
[INFO] Execute statement succeeded.
!info

SHOW TABLES;
+------------+
| table name |
+------------+
|        big |
|     orders |
|     recent |
+------------+
3 rows in set
!ok

SHOW TABLES LIKE 'o%';
+------------+
| table name |
+------------+
|     orders |
+------------+
1 row in set
!ok

SHOW VIEWS;
+-----------+
| view name |
+-----------+
|       big |
|    recent |
+-----------+
2 rows in set
!ok

DESCRIBE orders;
+---------+-----------------------------+-------+-----------+---------------+----------------------------+-------------+
|    name |                        type |  null |       key |        extras |                  watermark |     comment |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+-------------+
|    user |                      BIGINT | FALSE | PRI(user) |               |                            | who ordered |
| product |                 VARCHAR(32) |  TRUE |           |               |                            |             |
|  amount |                         INT |  TRUE |           |               |                            |             |
|      ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |           |               | `ts` - INTERVAL '1' SECOND |             |
|   ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |           | AS PROCTIME() |                            |             |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+-------------+
5 rows in set
!ok

SHOW COLUMNS FROM orders NOT LIKE '%u%';
+-------+-----------------------------+-------+-----+---------------+----------------------------+---------+
|  name |                        type |  null | key |        extras |                  watermark | comment |
+-------+-----------------------------+-------+-----+---------------+----------------------------+---------+
|    ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |     |               | `ts` - INTERVAL '1' SECOND |         |
| ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |     | AS PROCTIME() |                            |         |
+-------+-----------------------------+-------+-----+---------------+----------------------------+---------+
2 rows in set
!ok

DESCRIBE big;
+--------+--------+-------+-----+--------+-----------+
|   name |   type |  null | key | extras | watermark |
+--------+--------+-------+-----+--------+-----------+
|   user | BIGINT | FALSE |     |        |           |
| amount |    INT |  TRUE |     |        |           |
+--------+--------+-------+-----+--------+-----------+
2 rows in set
!ok

SHOW CREATE TABLE orders;
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                                                                 result |
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders` (
  `user` BIGINT NOT NULL COMMENT 'who ordered',
  `product` VARCHAR(32),
  `amount` INT,
  `ts` TIMESTAMP(3),
  `ptime` AS PROCTIME(),
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,
  CONSTRAINT `PK_user` PRIMARY KEY (`user`) NOT ENFORCED
)
WITH (
  'connector' = 'datagen'
)
 |
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

SHOW CREATE VIEW big;
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                    result |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE VIEW `default_catalog`.`default_database`.`big` (
  `user`,
  `amount`
)
AS SELECT `orders`.`user`, `orders`.`amount`
FROM `default_catalog`.`default_database`.`orders` AS `orders`
WHERE `orders`.`amount` > 10
 |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

SHOW CREATE VIEW recent;
+------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                         result |
+------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TEMPORARY VIEW `default_catalog`.`default_database`.`recent` (
  `user`,
  `product`,
  `amount`,
  `ts`,
  `ptime`
)
AS SELECT `orders`.`user`, `orders`.`product`, `orders`.`amount`, `orders`.`ts`, `orders`.`ptime`
FROM `default_catalog`.`default_database`.`orders` AS `orders`
 |
+------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

SHOW CREATE TABLE big;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 19 near "big": SHOW CREATE TABLE is only supported for tables, but `default_catalog`.`default_database`.`big` is a view. Please use SHOW CREATE VIEW instead.
!error

# a temporary object hides a permanent one of the same name
CREATE TEMPORARY TABLE big (x INT) WITH ('connector' = 'datagen');
[INFO] Execute statement succeeded.
!info

DESCRIBE big;
+------+------+------+-----+--------+-----------+
| name | type | null | key | extras | watermark |
+------+------+------+-----+--------+-----------+
|    x |  INT | TRUE |     |        |           |
+------+------+------+-----+--------+-----------+
1 row in set
!ok

DROP VIEW big;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 11 near "big": Temporary table with identifier '`default_catalog`.`default_database`.`big`' exists. Drop it first before removing the permanent view.
!error

DROP TEMPORARY TABLE big;
[INFO] Execute statement succeeded.
!info

DROP VIEW big;
[INFO] Execute statement succeeded.
!info

# ALTER TABLE
ALTER TABLE orders RENAME TO orders2;
[INFO] Execute statement succeeded.
!info

ALTER TABLE IF EXISTS orders RENAME TO orders3;
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders RENAME TO orders3;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 13 near "orders": Table `default_catalog`.`default_database`.`orders` doesn't exist or is a temporary table.
!error

ALTER TABLE orders2 SET ('number-of-rows' = '5', 'rows-per-second' = '100');
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 RESET ('rows-per-second');
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 RESET ();
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "ALTER": ALTER TABLE RESET does not support empty key
!error

ALTER TABLE orders2 RENAME amount TO quantity;
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 ADD product STRING;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 25 near "product": Failed to execute ALTER TABLE statement.
Column `product` already exists in the table.
!error

ALTER TABLE orders2 ADD email STRING AFTER nosuch;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 25 near "email": Failed to execute ALTER TABLE statement.
Referenced column `nosuch` by 'AFTER' does not exist in the table.
!error

ALTER TABLE orders2 ADD (email STRING NOT NULL AFTER `user`, label AS COALESCE(product, 'none') AFTER product, id BIGINT NOT NULL FIRST);
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 MODIFY CONSTRAINT order_pk PRIMARY KEY (id) NOT ENFORCED;
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 MODIFY (WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE, ts TIMESTAMP(3) NOT NULL AFTER id);
[INFO] Execute statement succeeded.
!info

SHOW CREATE TABLE orders2;
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                result |
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders2` (
  `id` BIGINT NOT NULL,
  `ts` TIMESTAMP(3) NOT NULL,
  `user` BIGINT NOT NULL COMMENT 'who ordered',
  `email` VARCHAR(2147483647) NOT NULL,
  `product` VARCHAR(32),
  `label` AS COALESCE(`product`, 'none'),
  `quantity` INT,
  `ptime` AS PROCTIME(),
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' MINUTE,
  CONSTRAINT `order_pk` PRIMARY KEY (`id`) NOT ENFORCED
)
WITH (
  'connector' = 'datagen',
  'number-of-rows' = '5'
)
 |
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

ALTER TABLE orders2 DROP product;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "ALTER": Failed to execute ALTER TABLE statement.
The column `product` is referenced by computed column `label`.
!error

ALTER TABLE orders2 DROP (label, product);
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 DROP PRIMARY KEY;
[INFO] Execute statement succeeded.
!info

ALTER TABLE orders2 DROP WATERMARK;
[INFO] Execute statement succeeded.
!info

DESCRIBE orders2;
+----------+-----------------------------+-------+-----+---------------+-----------+-------------+
|     name |                        type |  null | key |        extras | watermark |     comment |
+----------+-----------------------------+-------+-----+---------------+-----------+-------------+
|       id |                      BIGINT | FALSE |     |               |           |             |
|       ts |                TIMESTAMP(3) | FALSE |     |               |           |             |
|     user |                      BIGINT | FALSE |     |               |           | who ordered |
|    email |                      STRING | FALSE |     |               |           |             |
| quantity |                         INT |  TRUE |     |               |           |             |
|    ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |     | AS PROCTIME() |           |             |
+----------+-----------------------------+-------+-----+---------------+-----------+-------------+
6 rows in set
!ok

# options are checked when a table is used, as in Flink
ALTER TABLE orders2 SET ('no.such.option' = 'x');
[INFO] Execute statement succeeded.
!info

EXPLAIN SELECT id FROM orders2;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 9 near "SELECT": Unsupported options found for 'datagen'.

Unsupported options:

no.such.option
!error

ALTER TABLE orders2 RESET ('no.such.option');
[INFO] Execute statement succeeded.
!info

SELECT id, quantity FROM orders2 WHERE quantity IS NULL;
+----+----------------------+-------------+
| op |                   id |    quantity |
+----+----------------------+-------------+
+----+----------------------+-------------+
Received a total of 0 rows
!ok

ALTER VIEW recent RENAME TO newest;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 12 near "recent": View `default_catalog`.`default_database`.`recent` doesn't exist or is a temporary view.
!error

DROP TEMPORARY VIEW recent;
[INFO] Execute statement succeeded.
!info

SHOW TABLES;
+------------+
| table name |
+------------+
|    orders2 |
+------------+
1 row in set
!ok
