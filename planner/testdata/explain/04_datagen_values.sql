CREATE TABLE gen (
  id INT,
  name STRING,
  score DOUBLE,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'
) WITH (
  'connector' = 'kafka', 'topic' = 'gen', 'format' = 'json'
);

CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '10');

INSERT INTO gen (id, name) SELECT id, name FROM src;

INSERT INTO gen (id, name, score) VALUES (1, 'a', 1.5), (2, 'b', NULL);

SELECT 1 + 1 AS two, 'x' AS x;
