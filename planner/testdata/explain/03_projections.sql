CREATE TABLE orders (
  order_id BIGINT,
  customer STRING,
  amount DOUBLE,
  quantity INT,
  created STRING,
  ts AS TO_TIMESTAMP(created),
  part INT METADATA FROM 'partition' VIRTUAL,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json', 'json.ignore-parse-errors' = 'true');

CREATE TABLE sink_bh (id BIGINT, who STRING, band STRING, total DOUBLE, half INT) WITH ('connector' = 'blackhole');

INSERT INTO sink_bh
SELECT order_id, UPPER(customer) || '!',
  CASE WHEN amount > 100 THEN 'big' WHEN amount > 10 THEN 'medium' ELSE 'small' END,
  amount * quantity, quantity / 2
FROM orders
WHERE customer IS NOT NULL AND quantity BETWEEN 1 AND 10 AND customer LIKE 'A%';

CREATE VIEW big_orders AS SELECT order_id, customer, amount FROM orders WHERE amount > 100;

SELECT customer, CAST(amount AS INT) AS whole FROM big_orders WHERE customer IN ('Ann', 'Bob');

-- An unbounded aggregate: an updating result
CREATE TABLE totals (customer STRING, n BIGINT, total DOUBLE, lo DOUBLE, hi DOUBLE) WITH ('connector' = 'print');

INSERT INTO totals
SELECT customer, COUNT(*), SUM(amount), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

SELECT DISTINCT customer FROM orders;

SELECT order_id FROM orders UNION ALL SELECT order_id FROM big_orders;
