CREATE TABLE orders (id INT NOT NULL, customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
CREATE TABLE rates (currency STRING, rate INT, update_time TIMESTAMP(3), WATERMARK FOR update_time AS update_time, PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', 'key.format' = 'json', 'value.format' = 'json');
CREATE VIEW big AS SELECT id, customer, amount, ts FROM orders WHERE amount > 100;

-- Identical sub-plans are computed once (Flink's sub-plan reuse): a
-- self-join reads the topic once, whatever the aliases
SELECT a.id, b.id AS other FROM orders a JOIN orders b ON a.customer = b.customer;

-- the same aggregate twice, its columns named differently: computed once
SELECT x.customer, x.n, y.m FROM
  (SELECT customer, COUNT(*) AS n FROM big GROUP BY customer) x
  JOIN (SELECT customer AS c, COUNT(*) AS m FROM big GROUP BY customer) y ON x.customer = y.c;

-- a nondeterministic function makes its subtree not reusable (the scan
-- under it still is)
SELECT a.id, b.id AS other FROM (SELECT id, customer, RAND() AS r FROM orders) a
  JOIN (SELECT id, customer, RAND() AS r FROM orders) b ON a.customer = b.customer AND a.r < b.r;

-- a scan with other options (a hint) is another source
SELECT a.id, b.id AS other FROM orders a JOIN orders /*+ OPTIONS('scan.startup.mode'='earliest-offset') */ b ON a.customer = b.customer;

-- a different filter above the same scan: the scan is shared, the Calcs not
SELECT id FROM orders WHERE amount > 10 UNION ALL SELECT id FROM orders WHERE amount > 20;

-- the versioned side of a temporal join is never reused
SELECT o.id, r.rate, r2.rate AS rate2 FROM orders AS o
  JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.customer = r.currency
  JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r2 ON o.customer = r2.currency;

-- table.optimizer.reuse-source-enabled = false: a scan is read once per
-- use, but a larger identical sub-plan is still computed once
SET 'table.optimizer.reuse-source-enabled' = 'false';
SELECT id FROM orders WHERE amount > 10 UNION ALL SELECT id FROM orders WHERE amount > 20;
SELECT a.id, b.id AS other FROM orders a JOIN orders b ON a.customer = b.customer;

-- table.optimizer.reuse-sub-plan-enabled = false: nothing is reused
SET 'table.optimizer.reuse-sub-plan-enabled' = 'false';
SELECT a.id, b.id AS other FROM orders a JOIN orders b ON a.customer = b.customer;
