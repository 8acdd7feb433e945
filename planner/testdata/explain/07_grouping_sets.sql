CREATE TABLE bids (
  bidtime TIMESTAMP(3),
  price DECIMAL(10, 2),
  item STRING,
  supplier_id STRING,
  rating INT,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json');

-- Window aggregation with GROUPING SETS: an Expand below the window aggregate
SELECT window_start, window_end, supplier_id, SUM(price) AS total_price
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  GROUP BY window_start, window_end, GROUPING SETS ((supplier_id), ());

-- ROLLUP, with GROUPING() and GROUPING_ID()
SELECT window_start, window_end, supplier_id, item, GROUPING(supplier_id) AS gs, GROUPING_ID(supplier_id, item) AS gid, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  GROUP BY window_start, window_end, ROLLUP (supplier_id, item);

-- CUBE in a regular GROUP BY: an updating result; the aggregate reads the
-- original supplier_id, the key its copy
SELECT supplier_id, rating, COUNT(supplier_id) AS n, SUM(price) AS total
  FROM bids
  GROUP BY CUBE (supplier_id, rating);

-- a plain key next to GROUPING SETS, and HAVING on GROUPING()
SELECT item, supplier_id, rating, MAX(price) AS top
  FROM bids
  GROUP BY item, GROUPING SETS ((supplier_id, rating), (supplier_id), ())
  HAVING GROUPING(rating) = 1;

-- one grouping set is a plain GROUP BY
SELECT supplier_id, GROUPING(supplier_id) AS g, COUNT(*) AS n FROM bids GROUP BY GROUPING SETS ((supplier_id));
