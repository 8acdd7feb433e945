CREATE TABLE orders (order_id STRING, price DECIMAL(32, 2), currency STRING, order_time TIMESTAMP(3), WATERMARK FOR order_time AS order_time) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
-- a versioned table: upsert-kafka with a primary key and a watermark
CREATE TABLE currency_rates (currency STRING, conversion_rate DECIMAL(32, 2), update_time TIMESTAMP(3), WATERMARK FOR update_time AS update_time, PRIMARY KEY (currency) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', 'key.format' = 'json', 'value.format' = 'json');
-- a versioned view: the last rate per currency of an append-only table
CREATE TABLE rates_history (currency STRING, rate DECIMAL(32, 10), update_time TIMESTAMP(3), WATERMARK FOR update_time AS update_time) WITH ('connector' = 'kafka', 'topic' = 'rates_history', 'format' = 'json');
CREATE VIEW versioned_rates AS SELECT currency, rate, update_time FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY currency ORDER BY update_time DESC) AS rownum FROM rates_history) WHERE rownum = 1;

SELECT order_id, price, orders.currency, conversion_rate, order_time FROM orders LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time ON orders.currency = currency_rates.currency;

SELECT o.order_id, o.price * r.rate AS converted, o.order_time FROM orders AS o JOIN versioned_rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency;

-- the left rowtime stays a time attribute: windows over the joined rows
SELECT window_start, SUM(price * rate) AS total FROM TABLE(TUMBLE(TABLE (SELECT o.price, r.rate, o.order_time FROM orders AS o JOIN versioned_rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency), DESCRIPTOR(order_time), INTERVAL '1' HOUR)) GROUP BY window_start, window_end;
