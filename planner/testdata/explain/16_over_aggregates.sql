CREATE TABLE bids (auction INT NOT NULL, bidder STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json');

-- The default frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
SELECT auction, price, SUM(price) OVER (PARTITION BY auction ORDER BY ts) AS running FROM bids;

-- ROWS with an offset; two aggregates on one window, one of them twice
SELECT auction, AVG(price) OVER (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS a3,
  MAX(price) OVER (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS m3,
  AVG(price) OVER (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS again
FROM bids;

-- RANGE with an interval, an expression argument, no partition
SELECT price, COUNT(bidder) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS bidders,
  SUM(price * 2) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS doubled
FROM bids WHERE price > 0;

-- A bounded query (batch mode) orders by any key, over an updating input
SET 'execution.runtime-mode' = 'batch';
SELECT bidder, n, SUM(n) OVER (ORDER BY bidder ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair
FROM (SELECT bidder, COUNT(*) AS n FROM bids GROUP BY bidder);
