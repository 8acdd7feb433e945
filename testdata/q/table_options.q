# table_options.q - a table option Tumble accepts but does not act on is
# answered with a warning, and an option that no connector knows is an
# error, even under a prefix the connector takes ('lookup.partial-cache.',
# 'scan.watermark.').

CREATE TABLE k (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'k', 'format' = 'json', 'sink.parallelism' = '4', 'scan.parallelism' = '2');
[WARNING] Table 'k': 'sink.parallelism' has no effect: Tumble runs each job as one task.
[WARNING] Table 'k': 'scan.parallelism' has no effect: Tumble runs each job as one task.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE k2 (id INT) WITH ('connector' = 'kafka', 'topic' = 'k2', 'format' = 'json', 'properties.group.id' = 'g', 'properties.max.poll.records' = '10', 'properties.acks' = 'all');
[WARNING] Table 'k2': the Kafka client properties 'properties.acks', 'properties.max.poll.records' are not used by Tumble: they have no effect.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE k3 (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'k3', 'format' = 'json', 'scan.watermark.alignment.group' = 'g', 'scan.watermark.alignment.max-drift' = '1 min', 'scan.watermark.idle-timeout' = '5 s');
[WARNING] Table 'k3': 'scan.watermark.alignment.group' has no effect: Tumble does not align watermarks across sources.
[WARNING] Table 'k3': 'scan.watermark.alignment.max-drift' has no effect: Tumble does not align watermarks across sources.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE k4 (id INT) WITH ('connector' = 'kafka', 'topic' = 'k4', 'format' = 'json', 'scan.watermark.bogus' = '1');
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 90 near "'scan.watermark.bogus'": Unsupported options found for 'kafka'.

Unsupported options:

scan.watermark.bogus
!error

CREATE TABLE u (id INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'u', 'key.format' = 'json', 'value.format' = 'json', 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10', 'lookup.partial-cache.bogus' = '1');
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 223 near "'lookup.partial-cache.bogus'": Unsupported options found for 'upsert-kafka'.

Unsupported options:

lookup.partial-cache.bogus
!error

CREATE TABLE p (id INT) WITH ('connector' = 'print', 'sink.parallelism' = '2');
[WARNING] Table 'p': 'sink.parallelism' has no effect: Tumble runs each job as one task.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE d (id INT) WITH ('connector' = 'datagen', 'scan.parallelism' = '2');
[WARNING] Table 'd': 'scan.parallelism' has no effect: Tumble runs each job as one task.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE f (id INT) WITH ('connector' = 'filesystem', 'path' = '/tmp/f', 'format' = 'json', 'sink.parallelism' = '2');
[WARNING] Table 'f': 'sink.parallelism' has no effect: Tumble runs each job as one task.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE quiet (id INT) WITH ('connector' = 'kafka', 'topic' = 'quiet', 'format' = 'json', 'properties.group.id' = 'g', 'properties.auto.offset.reset' = 'earliest', 'scan.startup.mode' = 'group-offsets');
[INFO] Execute statement succeeded.
!info

CREATE TABLE r1 (id INT) WITH ('connector' = 'kafka', 'topic' = 'r1', 'format' = 'avro-confluent', 'avro-confluent.url' = 'http://127.0.0.1:1', 'avro-confluent.schema' = '{}', 'avro-confluent.ssl.truststore.location' = '/x', 'avro-confluent.properties.max.schemas.per.subject' = '10', 'avro-confluent.basic-auth.user-info' = 'u:p');
[WARNING] Table 'r1': 'avro-confluent.properties.max.schemas.per.subject' has no effect: Tumble's Schema Registry client takes no other properties.
[WARNING] Table 'r1': 'avro-confluent.schema' has no effect: Tumble writes the schema it derives from the table's columns.
[WARNING] Table 'r1': 'avro-confluent.ssl.truststore.location' has no effect: Tumble's Schema Registry client reads no keystore or truststore (the registry is reached with the system's trusted certificates).
[INFO] Execute statement succeeded.
!warning

CREATE TABLE r2 (id INT) WITH ('connector' = 'kafka', 'topic' = 'r2', 'format' = 'avro-confluent', 'avro-confluent.url' = 'http://127.0.0.1:1', 'avro-confluent.bogus' = '1');
[INFO] Execute statement succeeded.
!info

SELECT * FROM r2;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SELECT": Invalid options for table 'r2': invalid kafka table option: table 'r2': value: unsupported avro-confluent option 'avro-confluent.bogus'
!error

CREATE TABLE r3 (id INT) WITH ('connector' = 'kafka', 'topic' = 'r3', 'format' = 'avro', 'avro.codec' = 'snappy', 'avro.timestamp_mapping.legacy' = 'true');
[WARNING] Table 'r3': 'avro.codec' has no effect: Tumble writes Kafka records, not Avro container files.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE r4 (id INT) WITH ('connector' = 'kafka', 'topic' = 'r4', 'format' = 'avro', 'avro.timestamp_mapping.legacy' = 'false');
[WARNING] Table 'r4': 'avro.timestamp_mapping.legacy' has no effect: Tumble maps TIMESTAMP and TIMESTAMP_LTZ to Avro's timestamp-millis (the legacy mapping).
[INFO] Execute statement succeeded.
!warning

CREATE TABLE j1 (id INT) WITH ('connector' = 'filesystem', 'path' = '/tmp/f', 'format' = 'csv', 'json.fail-on-missing-field' = 'true', 'source.report-statistics' = 'NONE', 'partition.time-extractor.timestamp-pattern' = '$dt', 'sink.shuffle-by-partition.enable' = 'true');
[WARNING] Table 'j1': 'json.fail-on-missing-field' has no effect: the table's format is not 'json'.
[WARNING] Table 'j1': 'source.report-statistics' has no effect: Tumble reports no statistics to the planner.
[WARNING] Table 'j1': 'sink.shuffle-by-partition.enable' has no effect: Tumble runs each job as one task, so rows are not shuffled.
[WARNING] Table 'j1': 'partition.time-extractor.timestamp-pattern' has no effect: partitions are committed by processing time, so no time is extracted from them.
[INFO] Execute statement succeeded.
!warning

# With the partition-time commit trigger, the time extractor and the
# watermark's time zone are read.
CREATE TABLE j1t (id INT, dt STRING) PARTITIONED BY (dt) WITH ('connector' = 'filesystem', 'path' = '/tmp/f', 'format' = 'csv', 'sink.partition-commit.trigger' = 'partition-time', 'partition.time-extractor.timestamp-pattern' = '$dt 00:00:00', 'sink.partition-commit.watermark-time-zone' = 'UTC');
[INFO] Execute statement succeeded.
!info

CREATE TABLE j2 (id INT) WITH ('connector' = 'kafka', 'topic' = 'j2', 'key.format' = 'json', 'key.fields' = 'id', 'value.format' = 'json', 'value.json.encode.decimal-as-plain-number' = 'false', 'key.json.decode.json-parser.enabled' = 'true', 'value.json.encode.ignore-null-fields' = 'true');
[WARNING] Table 'j2': 'key.json.decode.json-parser.enabled' has no effect: Tumble has one JSON parser.
[WARNING] Table 'j2': 'value.json.encode.decimal-as-plain-number' has no effect: Tumble always writes DECIMAL values as plain numbers.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE j3 (id INT) WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:1/x', 'table-name' = 't', 'sink.parallelism' = '2');
[WARNING] Table 'j3': 'sink.parallelism' has no effect: Tumble runs each job as one task.
[INFO] Execute statement succeeded.
!warning

CREATE TABLE bad_idle (id INT) WITH ('connector' = 'kafka', 'topic' = 'bi', 'format' = 'json', 'scan.watermark.idle-timeout' = 'soon');
[INFO] Execute statement succeeded.
!info

SELECT * FROM bad_idle;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SELECT": Invalid options for table 'bad_idle': invalid kafka table option: table 'bad_idle': 'scan.watermark.idle-timeout' must be a duration, not 'soon'
!error
