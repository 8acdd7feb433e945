CREATE TABLE shop (
  product_id STRING,
  category STRING,
  product_name STRING,
  sales BIGINT,
  ts TIMESTAMP(3),
  pt AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'shop', 'format' = 'json');

CREATE TABLE bids (
  bidtime TIMESTAMP(3),
  price DECIMAL(10, 2),
  item STRING,
  supplier_id STRING,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json');

CREATE TABLE top_out (category STRING, product_id STRING, sales BIGINT, rownum BIGINT, PRIMARY KEY (category, rownum) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'top_out', 'key.format' = 'json', 'value.format' = 'json');

CREATE TABLE first_out (product_id STRING, category STRING, sales BIGINT) WITH ('connector' = 'kafka', 'topic' = 'first_out', 'format' = 'json');

-- Top-N over an append-only table, with the rank number
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num
  FROM shop)
WHERE row_num <= 5;

-- Top-N without the rank number (only the columns the query reads are kept)
SELECT product_id, sales FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC, product_id) AS rn
  FROM shop)
WHERE rn < 4 AND sales > 10;

-- Top-N of an updating input: the retract strategy
SELECT * FROM (
  SELECT category, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn
  FROM (SELECT category, SUM(sales) AS total FROM shop GROUP BY category))
WHERE rn <= 3;

-- Into an upsert sink keyed by (category, rownum)
INSERT INTO top_out
SELECT category, product_id, sales, rownum FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS rownum
  FROM shop)
WHERE rownum BETWEEN 2 AND 3;

-- Deduplication: first row by processing time is insert-only
INSERT INTO first_out
SELECT product_id, category, sales FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY pt ASC) AS rn
  FROM shop)
WHERE rn = 1;

-- Deduplication: last row by event time; a constant rank number is kept
SELECT * FROM (
  SELECT product_id, sales, ts, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY ts DESC) AS rn
  FROM shop)
WHERE rn = 1;

-- Rank 1 ordered by something other than a time attribute is a Top-1
SELECT product_id, sales FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY sales DESC) AS rn
  FROM shop)
WHERE rn <= 1;

-- Window Top-N after a window aggregation
SELECT *
  FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
    FROM (
      SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt
      FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, supplier_id
    )
  ) WHERE rownum <= 3;

-- Window Top-N straight after a window TVF
SELECT *
  FROM (
    SELECT bidtime, price, item, supplier_id, window_start, window_end, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
    FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
  ) WHERE rownum <= 3;

-- Window deduplication: the last bid per supplier and window
SELECT *
  FROM (
    SELECT bidtime, price, item, supplier_id, window_start, window_end,
      ROW_NUMBER() OVER (PARTITION BY window_start, window_end, supplier_id ORDER BY bidtime DESC) AS rownum
    FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  ) WHERE rownum <= 1;

-- A window aggregate over a window Top-N keeps window_time as the time attribute
SELECT window_start, window_end, COUNT(*) AS n, SUM(price) AS top3
FROM (
  SELECT * FROM (
    SELECT bidtime, price, window_start, window_end, window_time,
      ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rownum
    FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  ) WHERE rownum <= 3)
GROUP BY window_start, window_end;

-- PARTITION BY and ORDER BY expressions are computed below the rank
SELECT product_id, rn FROM (
  SELECT product_id, ROW_NUMBER() OVER (PARTITION BY UPPER(category) ORDER BY sales * 2 DESC) AS rn
  FROM shop WHERE sales > 0)
WHERE rn <= 2;

-- Through a view, with the rank filter in the outer query
CREATE VIEW ranked AS
SELECT product_id, category, sales, ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS rn FROM shop;

SELECT category, product_id FROM ranked WHERE rn = 1 AND category <> 'x';

-- An unread ROW_NUMBER goes away
SELECT product_id FROM (SELECT product_id, ROW_NUMBER() OVER (ORDER BY sales) AS rn FROM shop);
