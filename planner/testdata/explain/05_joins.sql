CREATE TABLE orders (order_id INT, customer_id INT, amount INT) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
CREATE TABLE customers (id INT, name STRING, region STRING) WITH ('connector' = 'kafka', 'topic' = 'customers', 'format' = 'json');

SELECT o.order_id, c.name FROM orders o JOIN customers c ON o.customer_id = c.id AND o.amount > 10;

SELECT c.region, SUM(o.amount) AS total FROM orders o LEFT JOIN customers c ON o.customer_id = c.id GROUP BY c.region;

-- a comma join: the equality becomes the join key, the condition over both sides the join's, the rest stays a filter
SELECT o.order_id, c.name FROM orders o, customers c WHERE o.customer_id = c.id AND o.amount > c.id AND c.region = 'EU';
