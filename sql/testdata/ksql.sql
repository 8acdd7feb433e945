-- Golden input for the ksqlDB dialect (unquoted identifiers upper-cased).
-- Regenerate ksql.golden with: go test ./sql -run TestGolden -update

-- The seeds (../shared/seed/ksql).
CREATE OR REPLACE STREAM transactions_stream
  ( 
    event_timestamp STRING, 
    transaction_id INT, 
    user_id STRING,
    total_paid INT, 
    status STRING
  )
  WITH (
    kafka_topic='transactions', 
    value_format='json', 
    timestamp='event_timestamp', 
    timestamp_format='yyyy-MM-dd HH:mm:ss.SSS'
    );

CREATE OR REPLACE STREAM paid_transactions_stream AS
  SELECT
    event_timestamp, 
    transaction_id, 
    user_id,
    total_paid
  FROM transactions_stream
  WHERE status = 'Paid';

CREATE OR REPLACE TABLE windowed_transactions 
WITH (kafka_topic='transactions_aggregate_ksql')
AS 
  SELECT
         '1' AS dummy,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end,
         SUM(total_paid) AS total_paid,
         COUNT(*) AS total_transactions,
         SUM(total_paid)/COUNT(*) AS average_transaction_value
  FROM paid_transactions_stream
  WINDOW TUMBLING (SIZE 3 SECONDS)
  GROUP BY '1'
  EMIT CHANGES;

-- DDL.
CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON', PARTITIONS=1, REPLICAS=1);
CREATE SOURCE TABLE users (id VARCHAR PRIMARY KEY, `Name` STRING, "Region" STRING, address STRUCT<street STRING, `Zip` INT>, tags ARRAY<STRING>, props MAP<STRING, DOUBLE>, amount DECIMAL(10, 2), b BYTES, d DATE, t TIME, ts TIMESTAMP, h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, hk BYTES HEADER('trace')) WITH (kafka_topic='users', format='json', wrap_single_value=false);
CREATE STREAM IF NOT EXISTS s (k STRING KEY, v INT) WITH (kafka_topic='s', key_format='KAFKA', value_format='DELIMITED', timestamp='v', timestamp_format='yyyy-MM-dd''T''HH:mm:ss');
CREATE STREAM inferred WITH (kafka_topic='inferred', format='AVRO', KEY_SCHEMA_ID=100);

-- Persistent queries.
CREATE STREAM enriched WITH (kafka_topic='enriched', value_format='AVRO') AS SELECT p.userid, u.`Name`, p.pageid FROM pageviews p LEFT JOIN users u ON p.userid = u.id EMIT CHANGES;
CREATE TABLE counts AS SELECT userid, COUNT(*) AS cnt, WINDOWSTART AS ws, WINDOWEND AS we FROM pageviews WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS, RETENTION 7 DAYS, GRACE PERIOD 1 MINUTE) WHERE pageid <> 'x' GROUP BY userid HAVING COUNT(*) > 1 EMIT CHANGES;
CREATE TABLE sessions AS SELECT userid, COUNT(*) FROM pageviews WINDOW SESSION (60 SECONDS) GROUP BY userid EMIT FINAL;
CREATE TABLE tumbling AS SELECT userid, LATEST_BY_OFFSET(pageid) AS last_page FROM pageviews WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 2 DAYS, GRACE PERIOD 10 MINUTES) GROUP BY userid;
CREATE STREAM rekeyed AS SELECT * FROM pageviews PARTITION BY pageid, userid EMIT CHANGES;
CREATE TABLE t2 AS SELECT COUNT() FROM pageviews GROUP BY (userid, pageid);
INSERT INTO rekeyed SELECT * FROM pageviews WHERE viewtime > 0;
INSERT INTO pageviews (viewtime, userid, pageid) VALUES (1, 'u1', 'p1');

-- Push and pull queries, expressions.
SELECT address->street, address->`Zip`, tags[1], props['a'], ARRAY[1, 2], MAP('a' := 1.5, 'b' := 2.5), STRUCT(x := 1, `Y` := 'b'), CAST(amount AS DOUBLE), id, "Region" FROM users EMIT CHANGES LIMIT 5;
SELECT * FROM users WHERE id = 'a';
SELECT a.x->y->z, arr[1][2], s->arr[0], Value, `Value`, key FROM t;
SELECT * FROM pageviews WHERE userid LIKE 'u%' AND viewtime BETWEEN 1 AND 100 AND pageid IN ('a', 'b') AND userid IS NOT NULL AND userid IS DISTINCT FROM pageid EMIT CHANGES;
SELECT p.userid, o.amount FROM pageviews p INNER JOIN orders o WITHIN 1 HOUR ON p.userid = o.userid EMIT CHANGES;
SELECT * FROM a JOIN b WITHIN (1 HOUR, 2 HOURS) GRACE PERIOD 5 MINUTES ON a.id = b.id EMIT CHANGES;
SELECT ROWTIME, ROWPARTITION, ROWOFFSET, stringtotimestamp(ts, 'yyyy-MM-dd''T''HH:mm:ssX') AS ets FROM s EMIT CHANGES;

-- Utility statements.
SHOW STREAMS;
LIST TABLES EXTENDED;
SHOW QUERIES;
SHOW TOPICS;
SHOW ALL TOPICS;
SHOW PROPERTIES;
SHOW FUNCTIONS;
DESCRIBE pageviews;
DESCRIBE EXTENDED pageviews;
DESCRIBE STREAMS EXTENDED;
EXPLAIN CSAS_ENRICHED_0;
EXPLAIN SELECT * FROM pageviews EMIT CHANGES;
TERMINATE CSAS_ENRICHED_0;
TERMINATE ALL;
DROP STREAM IF EXISTS pageviews DELETE TOPIC;
DROP TABLE users;
PRINT 'pageviews' FROM BEGINNING INTERVAL 2 LIMIT 10;
PRINT pageviews;
SET 'auto.offset.reset'='earliest';
UNSET 'auto.offset.reset';
SELECT id, TRANSFORM(arr, x => x + 1), FILTER(m, (k, v) => v > 0), REDUCE(arr, 0, (s, x) => s + x) FROM s EMIT CHANGES;
SELECT v->*, t.`V`->* FROM s t EMIT CHANGES;
SELECT EXPLODE(arr) AS e FROM s WINDOW w TUMBLING (SIZE 1 SECOND) GROUP BY id EMIT CHANGES;
SELECT ROUND(v, -1) AS 1R, v AS 2nd FROM s EMIT CHANGES;
