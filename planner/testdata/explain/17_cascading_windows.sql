CREATE TABLE bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING, supplier_id STRING, WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND) WITH ('connector' = 'kafka', 'topic' = 'bid', 'format' = 'json');
CREATE TABLE clicks (user_id STRING, pt AS PROCTIME()) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json');

-- cascading window aggregation: a GROUP BY of window_start and window_end over a window aggregate is a window aggregate over the same windows
SELECT window_start, window_end, SUM(total) AS total, MAX(total) AS top FROM (
  SELECT supplier_id, window_start, window_end, SUM(price) AS total
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  GROUP BY supplier_id, window_start, window_end)
GROUP BY window_start, window_end;

-- renamed bounds, another key, HOP windows
SELECT item, s, e, COUNT(*) AS suppliers FROM (
  SELECT item, supplier_id, window_start AS s, window_end AS e, COUNT(*) AS n
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
  GROUP BY item, supplier_id, window_start, window_end)
GROUP BY item, s, e;

-- CUMULATE windows, with window_time grouped: a time attribute for the next level
SELECT window_start, window_end, window_time, MAX(n) AS most FROM (
  SELECT supplier_id, window_start, window_end, window_time, COUNT(*) AS n
  FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
  GROUP BY supplier_id, window_start, window_end, window_time)
GROUP BY window_start, window_end, window_time;

-- grouped by window_start alone: a regular (updating) aggregate, as in Flink
SELECT window_start, COUNT(*) AS n FROM (
  SELECT supplier_id, window_start, window_end, SUM(price) AS total
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  GROUP BY supplier_id, window_start, window_end)
GROUP BY window_start;

-- windows of a processing-time attribute are not cascaded
SELECT window_start, window_end, MAX(n) AS most FROM (
  SELECT user_id, window_start, window_end, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(pt), INTERVAL '1' MINUTES))
  GROUP BY user_id, window_start, window_end)
GROUP BY window_start, window_end;

-- Nexmark q5's shape: the suppliers with the most bids per window, a window join of a window aggregate and its cascade
SELECT A.supplier_id, A.n FROM (
  SELECT supplier_id, COUNT(*) AS n, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
  GROUP BY supplier_id, window_start, window_end) AS A
JOIN (
  SELECT MAX(C.n) AS maxn, C.starttime, C.endtime FROM (
    SELECT COUNT(*) AS n, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY supplier_id, window_start, window_end) AS C
  GROUP BY C.starttime, C.endtime) AS M
ON A.starttime = M.starttime AND A.endtime = M.endtime AND A.n >= M.maxn;

-- a window Top-N over a cascaded aggregate
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY suppliers DESC) AS rownum FROM (
    SELECT item, window_start, window_end, COUNT(*) AS suppliers FROM (
      SELECT item, supplier_id, window_start, window_end
      FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY item, supplier_id, window_start, window_end)
    GROUP BY item, window_start, window_end))
WHERE rownum <= 3;

-- a GROUP BY of both bounds over a window join
SELECT L.window_start, L.window_end, COUNT(*) AS pairs FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))) R
ON L.item = R.item AND L.window_start = R.window_start AND L.window_end = R.window_end
GROUP BY L.window_start, L.window_end;
