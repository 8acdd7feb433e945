CREATE TABLE orders (order_id INT, customer_id INT, total INT, proc_time AS PROCTIME()) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
CREATE TABLE customers (id INT, name STRING, country STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'customers', 'key.format' = 'json', 'value.format' = 'json', 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '1000', 'lookup.partial-cache.expire-after-write' = '10 min');
CREATE TABLE countries (code STRING, country_name STRING) WITH ('connector' = 'filesystem', 'path' = '/tmp/countries', 'format' = 'csv');

SELECT o.order_id, o.total, c.country FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id;

-- a key of another type is cast to the looked-up column's; other conditions filter the looked-up rows
SELECT o.order_id, n.country_name FROM orders AS o LEFT JOIN countries FOR SYSTEM_TIME AS OF o.proc_time AS n ON CAST(o.customer_id AS STRING) = n.code AND n.country_name <> 'x';
