CREATE TABLE orders (id INT, item STRING, order_time TIMESTAMP(3), WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');
CREATE TABLE shipments (order_id INT, ship_time TIMESTAMP(3), WATERMARK FOR ship_time AS ship_time) WITH ('connector' = 'kafka', 'topic' = 'shipments', 'format' = 'json');

-- an interval join: the bounds relative to the right time, in milliseconds, as Flink shows them
SELECT o.id, o.item, s.ship_time FROM orders o, shipments s WHERE o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time;

-- an outer interval join keeps both time attributes
SELECT o.id, s.ship_time FROM orders o LEFT JOIN shipments s ON o.id = s.order_id AND s.ship_time >= o.order_time AND s.ship_time < o.order_time + INTERVAL '1' DAY;

-- a window join: both sides' windows, joined when the window closes
SELECT L.id, L.item, R.ship_time FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '5' MINUTES))) L
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE shipments, DESCRIPTOR(ship_time), INTERVAL '5' MINUTES))) R
ON L.id = R.order_id AND L.window_start = R.window_start AND L.window_end = R.window_end;
