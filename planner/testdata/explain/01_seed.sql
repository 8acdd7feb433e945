-- The seed pipeline (queries/flink), as a user pastes it.
CREATE OR REPLACE TABLE transactions_table
  (
    event_timestamp TIMESTAMP(3),
    transaction_id INT,
    user_id STRING,
    total_paid INT,
    status STRING,
    flink_timestamp TIMESTAMP(3) METADATA FROM 'timestamp',
    WATERMARK FOR event_timestamp AS event_timestamp
  )
  WITH (
  'connector' = 'kafka',
  'topic' = 'transactions',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'flink',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
  );

CREATE OR REPLACE TABLE transactions_paid_agg_table
  (
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    total_paid INT,
    total_transactions BIGINT,
    average_transaction_value BIGINT
  )
  WITH (
  'connector' = 'kafka',
  'topic' = 'transactions_aggregate_flink',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.allow.auto.create.topics' = 'true',
  'format' = 'json'
  );

INSERT INTO transactions_paid_agg_table
SELECT
  window_start,
  window_end,
  SUM(total_paid) AS total_paid,
  COUNT(*) AS total_transactions,
  SUM(total_paid)/COUNT(*) AS average_transaction_value
FROM TABLE(TUMBLE(TABLE transactions_table, DESCRIPTOR(event_timestamp), INTERVAL '3' SECONDS))
WHERE status = 'Paid'
GROUP BY window_start, window_end;

-- The same query, streamed to the client.
SELECT window_start, window_end, SUM(total_paid) AS total_paid, COUNT(*) AS total_transactions
FROM TABLE(TUMBLE(TABLE transactions_table, DESCRIPTOR(event_timestamp), INTERVAL '3' SECONDS))
WHERE status = 'Paid'
GROUP BY window_start, window_end;
