CREATE TABLE orders (id INT NOT NULL, customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');

CREATE TABLE vip (name STRING, level INT) WITH ('connector' = 'kafka', 'topic' = 'vip', 'format' = 'json');

-- A scalar subquery in WHERE: a LeftOuterJoin on no key with the
-- subquery's one row (a global aggregate, so an updating input), the
-- comparison above it
SELECT id, amount FROM orders WHERE amount > (SELECT AVG(amount) FROM orders);

-- In the select list: each row with the current value (NULL before the
-- subquery has a row)
SELECT id, amount - (SELECT MIN(level) FROM vip) AS diff FROM orders;

-- In HAVING: joined over the aggregate
SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer
HAVING COUNT(*) >= (SELECT COUNT(*) / COUNT(DISTINCT customer) FROM orders);

-- Two subqueries in one WHERE: one join each
SELECT id FROM orders WHERE amount BETWEEN (SELECT MIN(level) FROM vip) AND (SELECT MAX(level) FROM vip);
