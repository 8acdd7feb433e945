-- Golden input for the Flink dialect. Each statement's AST is in
-- flink.golden; regenerate with: go test ./sql -run TestGolden -update

-- The seeds (../shared/seed/flink), as users paste them.
CREATE OR REPLACE TABLE transactions_table
  ( 
    event_timestamp TIMESTAMP(3), 
    transaction_id INT, 
    user_id STRING,
    total_paid INT, 
    status STRING,
    flink_timestamp TIMESTAMP(3) METADATA FROM 'timestamp',
    WATERMARK FOR event_timestamp AS event_timestamp
  )
  WITH (
  'connector' = 'kafka',
  'topic' = 'transactions',
  'properties.bootstrap.servers' = 'kafka:29092',
  'properties.group.id' = 'flink',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
  );

CREATE OR REPLACE TABLE transactions_paid_agg_table
  ( 
    window_start TIMESTAMP(3), 
    window_end TIMESTAMP(3), 
    total_paid INT,
    total_transactions BIGINT, 
    average_transaction_value BIGINT
  )
  WITH (
  'connector' = 'kafka',
  'topic' = 'transactions_aggregate_flink',
  'properties.bootstrap.servers' = 'kafka:29092',
  'properties.allow.auto.create.topics' = 'true',
  'format' = 'json'
  );

INSERT INTO transactions_paid_agg_table
SELECT 
  window_start,
  window_end,
  SUM(total_paid) AS total_paid,
  COUNT(*) AS total_transactions,
  SUM(total_paid)/COUNT(*) AS average_transaction_value
FROM TABLE(TUMBLE(TABLE transactions_table, DESCRIPTOR(event_timestamp), INTERVAL '3' SECONDS))
WHERE status = 'Paid'
GROUP BY window_start, window_end;

-- DDL: every column form and type.
CREATE TEMPORARY TABLE IF NOT EXISTS orders (
  order_id BIGINT NOT NULL,
  `user` STRING COMMENT 'the buyer',
  price DECIMAL(10, 2),
  tags ARRAY<STRING>,
  attrs MAP<STRING, INT NOT NULL>,
  addr ROW<street STRING, city STRING 'city name'>,
  addr2 ROW(zip INT, `country` VARCHAR(2)),
  bag MULTISET<INT>,
  raw_bytes BYTES,
  b VARBINARY(16),
  c CHAR(3),
  d DOUBLE PRECISION,
  n NUMERIC(5),
  small SMALLINT, tiny TINYINT, f FLOAT, i INTEGER, ok BOOLEAN, dt DATE,
  t TIME(3),
  ts TIMESTAMP(3) WITHOUT TIME ZONE,
  ltz TIMESTAMP(3) WITH LOCAL TIME ZONE,
  ltz2 TIMESTAMP_LTZ(3),
  `offset` BIGINT METADATA VIRTUAL,
  part INT METADATA FROM 'partition' VIRTUAL,
  total AS price * 2,
  proc AS PROCTIME() COMMENT 'processing time',
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  CONSTRAINT pk PRIMARY KEY (order_id) NOT ENFORCED
) COMMENT 'orders table'
PARTITIONED BY (`user`)
WITH ('connector' = 'filesystem', 'path' = '/tmp/o', 'format' = 'csv');

CREATE TABLE users (id INT PRIMARY KEY NOT ENFORCED, name STRING, PRIMARY KEY (id, name) NOT ENFORCED) WITH ('connector'='datagen', 'rows-per-second' = '5');
CREATE TABLE orders_copy WITH ('connector' = 'print') LIKE orders (EXCLUDING ALL);
CREATE TABLE agg WITH ('connector' = 'print') AS SELECT `user`, COUNT(*) AS cnt FROM orders GROUP BY `user`;
CREATE OR REPLACE TEMPORARY VIEW IF NOT EXISTS v (a, b) AS SELECT order_id, price FROM orders WHERE price > 10.5;
CREATE VIEW v2 AS SELECT * FROM orders UNION ALL SELECT * FROM orders_copy;
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS my_udf AS 'com.example.MyUdf' LANGUAGE JAVA;
DROP TEMPORARY VIEW IF EXISTS v;
DROP TABLE cat.db.orders;

-- INSERT forms.
INSERT INTO users VALUES (1, 'a'), (2, 'b');
INSERT INTO users (id, name) SELECT order_id, `user` FROM orders;
INSERT OVERWRITE users SELECT 1, 'x';

-- Window TVFs: positional, named, SESSION with PARTITION BY, no TABLE().
SELECT window_start, window_end, SUM(price) FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)) GROUP BY window_start, window_end;
SELECT * FROM TABLE(CUMULATE(DATA => TABLE orders, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' MINUTES, STEP => INTERVAL '2' MINUTES)) AS w;
SELECT window_start, `user`, COUNT(*) FROM TABLE(SESSION(TABLE orders PARTITION BY `user`, DESCRIPTOR(ts), INTERVAL '5' MINUTES)) GROUP BY window_start, window_end, `user`;
SELECT * FROM TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '10' MINUTE);
SELECT * FROM TABLE(TUMBLE(TABLE (SELECT * FROM orders WHERE price > 0), DESCRIPTOR(ts), INTERVAL '1' DAY)) t;

-- Legacy group windows.
SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE) AS wstart, TUMBLE_END(ts, INTERVAL '1' MINUTE), COUNT(DISTINCT `user`) FROM orders GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), `user`;
SELECT HOP_START(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE) FROM orders GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE);
SELECT SESSION_END(ts, INTERVAL '30' SECOND) FROM orders GROUP BY SESSION(ts, INTERVAL '30' SECOND);

-- Joins.
SELECT o.order_id, u.name FROM orders AS o LEFT JOIN users u ON o.order_id = u.id;
SELECT * FROM orders o RIGHT OUTER JOIN users u ON o.order_id = u.id FULL OUTER JOIN users u2 ON u.id = u2.id CROSS JOIN users u3;
SELECT * FROM orders o FULL JOIN users u ON o.order_id = u.id, users u4 INNER JOIN users u5 ON TRUE;
SELECT * FROM orders JOIN users USING (id);
SELECT o.order_id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency;
SELECT * FROM orders o LEFT JOIN dim FOR SYSTEM_TIME AS OF o.proc d ON o.id = d.id;

-- Clauses.
SELECT DISTINCT `user` FROM orders ORDER BY `user` DESC, price LIMIT 10;
SELECT `user`, COUNT(*) FROM orders GROUP BY `user` HAVING COUNT(*) > 1;
SELECT 1 FROM orders UNION ALL SELECT 2 FROM orders UNION ALL (SELECT 3);
SELECT * FROM (SELECT `user`, COUNT(*) AS c FROM orders GROUP BY `user`) AS t WHERE c > 1;
SELECT `user`, price FROM orders GROUP BY 1, 2 ORDER BY 1;

-- Expressions.
SELECT CAST(price AS BIGINT), TRY_CAST(`user` AS INT), CAST(ts AS TIMESTAMP_LTZ(3)), CAST(price AS DECIMAL(10,2)), CAST(x AS STRING), CAST(y AS ARRAY<INT>) FROM orders;
SELECT EXTRACT(HOUR FROM ts), EXTRACT(MILLISECOND FROM ts), CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE, NOW(), CURRENT_ROW_TIMESTAMP() FROM orders;
SELECT TIMESTAMP '2020-01-01 00:00:00.000', DATE '2020-01-01', TIME '12:00:00', 1, 1.5, 1.5e3, -7, .5, 'it''s', 'a\nb', TRUE, NULL, X'0aFF', 9223372036854775808 FROM orders;
SELECT a || b || c, `user` LIKE 'a%' ESCAPE '!', price BETWEEN 1 AND 10, price NOT BETWEEN 1 AND 2, id IN (1, 2), id NOT IN (3), name IS NULL, name IS NOT NULL, flag IS TRUE, flag IS NOT FALSE, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b, NOT a, a <> b, a != b, a % 2, -a, +a, a NOT LIKE 'x' FROM t;
SELECT CASE WHEN price > 10 THEN 'high' WHEN price > 5 THEN 'mid' ELSE 'low' END, CASE status WHEN 'Paid' THEN 1 ELSE 0 END FROM orders;
SELECT tags[1], attrs['k'], addr.city, t.addr.city, ARRAY[1, 2, 3], MAP['a', 1, 'b', 2], ROW(1, 'a'), CARDINALITY(tags), tags[1 + 1], ARRAY[1, 2][1], f(x)[2] FROM orders t;
SELECT SUBSTRING(name FROM 2 FOR 3), SUBSTRING(name, 2), POSITION('a' IN name), TRIM(BOTH ' ' FROM name), TRIM(LEADING FROM name), TRIM(name), CEIL(ts TO HOUR), FLOOR(price), TIMESTAMPDIFF(SECOND, a, b), TIMESTAMPADD(DAY, 1, ts), IF(a > 1, 'x', 'y'), MOD(a, 3), LEFT(name, 2), DATE_FORMAT(ts, 'yyyy'), `COUNT`(1) FROM t;
SELECT `key`, `value`, `status`, `timestamp`, `date`, `time`, `user`, `year`, `rows`, `range`, window_start FROM t;
SELECT key, value, status, timestamp, date, time, user, year, rows, range, `partition`, `offset`, `window`, `order`, current, row, left, interval_col FROM t;
SELECT *, ROW_NUMBER() OVER (PARTITION BY `user` ORDER BY ts DESC) AS rn FROM orders;
SELECT `user`, SUM(price) OVER (PARTITION BY `user` ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW), COUNT(*) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders;
SELECT COUNT(*) FILTER (WHERE price > 1), SUM(DISTINCT price), LISTAGG(name, ','), COLLECT(DISTINCT name) FROM orders;
SELECT `user` FROM orders /*+ OPTIONS('scan.startup.mode'='latest-offset') */ WHERE price > 1; -- trailing comment

-- Inline VALUES.
SELECT id, COUNT(*) AS cnt FROM (VALUES (1, 'Hello'), (2, 'Hi'), (2, 'Hi')) AS T(id, str) GROUP BY id;
INSERT INTO users SELECT * FROM (VALUES (1, 'a')) v;
CREATE TEMPORARY VIEW vals(name, ok) AS (VALUES ('x', TRUE), ('y', FALSE));
SELECT * FROM TUMBLE(DATA => TABLE orders, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' MINUTES, `OFFSET` => INTERVAL '1' MINUTES);

-- Utility statements.
EXPLAIN PLAN FOR SELECT * FROM orders;
EXPLAIN CHANGELOG_MODE, ESTIMATED_COST SELECT * FROM orders;
EXPLAIN INSERT INTO users SELECT 1, 'a';
SET;
SET 'execution.runtime-mode' = 'streaming';
SET table.exec.mini-batch.enabled = true;
RESET;
RESET 'execution.runtime-mode';
SHOW TABLES;
SHOW JOBS;
SHOW USER FUNCTIONS;
DESCRIBE orders;
DESC cat.db.orders;
STOP JOB '228d70913eab60dda85c5e7f78b5782c' WITH SAVEPOINT WITH DRAIN;
HELP;
QUIT;
EXIT;

-- Statement sets: the INSERTs come back as plain statements.
BEGIN STATEMENT SET;
INSERT INTO users SELECT 1, 'a';
INSERT INTO users SELECT 2, 'b';
END;
EXECUTE STATEMENT SET BEGIN INSERT INTO users SELECT 3, 'c'; INSERT INTO users SELECT 4, 'd'; END;

-- catalog statements of Flink's SQL client
SHOW COLUMNS FROM orders NOT LIKE 'use_';
SHOW COLUMNS IN orders LIKE '%u%';
SHOW CREATE TABLE orders;
SHOW CREATE VIEW v1;
SHOW TABLES LIKE 'o%';
CREATE TEMPORARY VIEW v2 (a, b) COMMENT 'two columns' AS SELECT 1, 2;
DROP TEMPORARY VIEW v2;
ALTER TABLE IF EXISTS orders RENAME TO orders2;
ALTER TABLE orders2 RENAME amount TO amount1;
ALTER TABLE orders2 SET ('connector' = 'kafka', 'scan.startup.mode' = 'earliest-offset');
ALTER TABLE orders2 RESET ('scan.startup.mode');
ALTER TABLE orders2 ADD (user_email STRING NOT NULL AFTER `user`, cleaned AS COALESCE(product, 'x') AFTER product, id BIGINT NOT NULL FIRST);
ALTER TABLE orders2 MODIFY (WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE, ts TIMESTAMP(3) NOT NULL AFTER id);
ALTER TABLE orders2 MODIFY CONSTRAINT pk PRIMARY KEY (id) NOT ENFORCED;
ALTER TABLE orders2 DROP (amount1, product);
ALTER TABLE orders2 DROP PRIMARY KEY;
ALTER TABLE orders2 DROP WATERMARK;
ALTER VIEW v1 RENAME TO v3;

-- GROUPING SETS, ROLLUP and CUBE; IN and EXISTS subqueries.
SELECT a, b, GROUPING(a), GROUPING_ID(a, b), COUNT(*) FROM t GROUP BY GROUPING SETS ((a, b), (a), ());
SELECT window_start, window_end, a, SUM(x) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end, ROLLUP (a, (b, c));
SELECT a, b, COUNT(*) FROM t GROUP BY a, CUBE (b, c), GROUPING SETS (ROLLUP (d), (e));
SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE u.c = t.c) AND NOT EXISTS (SELECT * FROM v WHERE v.a = t.a) AND b NOT IN (SELECT b FROM w);

-- Dynamic table options hints (other hints are ignored).
SELECT * FROM t /*+ OPTIONS('scan.startup.mode' = 'earliest-offset', 'properties.group.id' = 'g') */ AS x
  JOIN u /*+ LOOKUP('table' = 'u'), OPTIONS('k' = 'v') */ ON x.a = u.a
  WHERE x.b IN (SELECT b FROM w /* not a hint */);

-- Catalogs and databases.
CREATE CATALOG IF NOT EXISTS c1 COMMENT 'it''s mine' WITH ('type' = 'generic_in_memory', 'default-database' = 'db');
CREATE DATABASE IF NOT EXISTS c1.db2 COMMENT 'two' WITH ('k1' = 'v1');
CREATE DATABASE db3;
USE CATALOG c1;
USE db2;
USE c1.db2;
SHOW CATALOGS NOT ILIKE 'default%';
SHOW DATABASES FROM c1 ILIKE 'DB%';
SHOW CURRENT CATALOG;
SHOW CURRENT DATABASE;
SHOW CREATE CATALOG c1;
SHOW TABLES FROM c1.db2 NOT LIKE '%person%';
DESCRIBE CATALOG EXTENDED c1;
DESC CATALOG c1;
ALTER CATALOG c1 SET ('default-database' = 'db2');
ALTER CATALOG c1 RESET ('default-database');
ALTER CATALOG c1 COMMENT 'new';
ALTER DATABASE c1.db2 SET ('k1' = 'v2');
CREATE TABLE c1.db2.t (a INT) WITH ('connector' = 'blackhole');
SELECT a FROM c1.db2.t;
DROP DATABASE IF EXISTS c1.db2 CASCADE;
DROP DATABASE db3 RESTRICT;
DROP CATALOG IF EXISTS c1;

-- Set operations: left to right, a parenthesized chain a group.
SELECT a FROM t UNION SELECT b FROM u;
(SELECT a FROM t) INTERSECT ALL (SELECT b FROM u) EXCEPT SELECT c FROM v;
SELECT a FROM t UNION ALL (SELECT b FROM u EXCEPT SELECT c FROM v);
SELECT a FROM t UNION ALL (SELECT b FROM u UNION ALL SELECT c FROM v);

-- Modules.
LOAD MODULE hive WITH ('hive-version' = '3.1');
UNLOAD MODULE core;
USE MODULES core, hive;
ADD JAR '/tmp/a.jar';
REMOVE JAR '/tmp/a.jar';

-- A final statement without a semicolon.
SELECT 42
