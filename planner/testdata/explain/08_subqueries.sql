CREATE TABLE orders (id INT NOT NULL, customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');

CREATE TABLE vip (name STRING, level INT) WITH ('connector' = 'kafka', 'topic' = 'vip', 'format' = 'json');

CREATE TABLE refunds (order_id INT NOT NULL, reason STRING) WITH ('connector' = 'kafka', 'topic' = 'refunds', 'format' = 'json');

-- Uncorrelated IN: a semi join on the value; append-only inputs give an
-- append-only result
SELECT id, amount FROM orders WHERE customer IN (SELECT name FROM vip WHERE level > 1) AND amount > 10;

-- Correlated EXISTS: the equality is the join key, the other condition on
-- both sides stays in the join
SELECT id FROM orders o WHERE EXISTS (SELECT * FROM vip v WHERE v.name = o.customer AND v.level > o.amount);

-- NOT EXISTS: an anti join, which retracts a row when its first match comes
SELECT id FROM orders o WHERE NOT EXISTS (SELECT * FROM refunds r WHERE r.order_id = o.id);

-- NOT IN over nullable values: NULL on either side counts as a match
SELECT id FROM orders WHERE customer NOT IN (SELECT name FROM vip);

-- NOT IN over NOT NULL values is a plain anti join on the key
SELECT id FROM orders WHERE id NOT IN (SELECT order_id FROM refunds);

-- A subquery with an aggregate (uncorrelated) on the right
SELECT id FROM orders WHERE customer IN (SELECT name FROM vip GROUP BY name HAVING COUNT(*) > 1);

-- Correlated IN over window TVFs (Flink's window semi join, planned as a
-- regular semi join)
SELECT * FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES))) L
WHERE L.id IN (
  SELECT id FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES))) R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end AND R.amount > 100);

-- An aggregate over a semi join
SELECT customer, SUM(amount) AS total FROM orders WHERE customer IN (SELECT name FROM vip) GROUP BY customer;

-- A window TVF filtered by a subquery: the windows are assigned first, and
-- the aggregate over the (updating) semi join is a regular one
SELECT window_start, window_end, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES))
  WHERE NOT EXISTS (SELECT * FROM refunds WHERE order_id = id)
  GROUP BY window_start, window_end;
