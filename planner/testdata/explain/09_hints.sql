CREATE TABLE clicks (user_id STRING, url STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');

CREATE VIEW v AS SELECT user_id FROM clicks;

-- The hint's options override the table's for this query only
SELECT user_id, url FROM clicks /*+ OPTIONS('scan.startup.mode' = 'latest-offset', 'topic' = 'clicks_replay') */;

-- Other hints are ignored; the options hint works in joins and with an alias
SELECT c.url FROM clicks /*+ OPTIONS('properties.group.id' = 'g1') */ AS c
  JOIN clicks /*+ BROADCAST(clicks) */ AS d ON c.user_id = d.user_id;
