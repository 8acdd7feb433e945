CREATE TABLE bids (
  bidtime TIMESTAMP(3),
  price DECIMAL(10, 2),
  item STRING,
  supplier_id STRING,
  ts AS bidtime,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json');

CREATE TABLE out_print (a TIMESTAMP(3), b TIMESTAMP(3), c STRING, d DECIMAL(38, 2), e BIGINT) WITH ('connector' = 'print');

-- HOP with a key
INSERT INTO out_print
SELECT window_start, window_end, supplier_id, SUM(price), COUNT(DISTINCT item)
FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
GROUP BY window_start, window_end, supplier_id;

-- CUMULATE
SELECT window_start, window_end, SUM(price) AS total
FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
GROUP BY window_start, window_end;

-- The legacy group window
SELECT TUMBLE_START(bidtime, INTERVAL '10' MINUTE) AS wstart, TUMBLE_END(bidtime, INTERVAL '10' MINUTE) AS wend, item, MAX(price) AS top
FROM bids
GROUP BY TUMBLE(bidtime, INTERVAL '10' MINUTE), item;

-- A window TVF without aggregation
SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES));

-- Named arguments
SELECT window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(DATA => TABLE bids, TIMECOL => DESCRIPTOR(bidtime), SIZE => INTERVAL '1' HOUR))
GROUP BY window_start, window_end;
