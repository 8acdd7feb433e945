# create_like.q - CREATE TABLE ... LIKE merges the base table's features
# with the new table's as Flink's like options say (INCLUDING, EXCLUDING,
# OVERWRITING of ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS,
# PARTITIONS, WATERMARKS; by default INCLUDING ALL OVERWRITING OPTIONS).

CREATE TABLE orders (
  id BIGINT,
  amount INT,
  ts TIMESTAMP(3),
  part STRING,
  doubled AS amount * 2,
  kts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) PARTITIONED BY (part) WITH ('connector' = 'filesystem', 'path' = '/tmp/orders', 'format' = 'json');
[INFO] Execute statement succeeded.
!info

# The defaults: every feature, the new table's options over the base's.
CREATE TABLE orders_copy WITH ('path' = '/tmp/orders_copy') LIKE orders;
[INFO] Execute statement succeeded.
!info

SHOW CREATE TABLE orders_copy;
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      result |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders_copy` (
  `id` BIGINT,
  `amount` INT,
  `ts` TIMESTAMP(3),
  `part` VARCHAR(2147483647),
  `doubled` AS `amount` * 2,
  `kts` TIMESTAMP(3) WITH LOCAL TIME ZONE METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,
  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED
)
PARTITIONED BY (`part`)
WITH (
  'connector' = 'filesystem',
  'path' = '/tmp/orders_copy',
  'format' = 'json'
)
 |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

# EXCLUDING ALL keeps the physical columns only.
CREATE TABLE bare (extra INT) WITH ('connector' = 'blackhole') LIKE orders (EXCLUDING ALL);
[INFO] Execute statement succeeded.
!info

SHOW CREATE TABLE bare;
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                             result |
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`bare` (
  `id` BIGINT,
  `amount` INT,
  `ts` TIMESTAMP(3),
  `part` VARCHAR(2147483647),
  `extra` INT
)
WITH (
  'connector' = 'blackhole'
)
 |
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

# INCLUDING ALL, then narrower options for some features.
CREATE TABLE mixed (WATERMARK FOR ts AS ts) WITH ('connector' = 'blackhole') LIKE orders (INCLUDING ALL EXCLUDING OPTIONS EXCLUDING PARTITIONS OVERWRITING WATERMARKS EXCLUDING METADATA);
[INFO] Execute statement succeeded.
!info

SHOW CREATE TABLE mixed;
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                result |
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`mixed` (
  `id` BIGINT,
  `amount` INT,
  `ts` TIMESTAMP(3),
  `part` VARCHAR(2147483647),
  `doubled` AS `amount` * 2,
  WATERMARK FOR `ts` AS `ts`,
  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED
)
WITH (
  'connector' = 'blackhole'
)
 |
+-------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

CREATE TABLE generated (doubled AS amount * 3) LIKE orders (OVERWRITING GENERATED);
[INFO] Execute statement succeeded.
!info

SHOW CREATE TABLE generated;
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                                                                                                                                                                                               result |
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`generated` (
  `id` BIGINT,
  `amount` INT,
  `ts` TIMESTAMP(3),
  `part` VARCHAR(2147483647),
  `doubled` AS `amount` * 3,
  `kts` TIMESTAMP(3) WITH LOCAL TIME ZONE METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,
  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED
)
PARTITIONED BY (`part`)
WITH (
  'connector' = 'filesystem',
  'path' = '/tmp/orders',
  'format' = 'json'
)
 |
+--------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

# Conflicts are errors unless the options say how to resolve them.
CREATE TABLE dup_option WITH ('path' = '/tmp/other') LIKE orders (INCLUDING OPTIONS);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 31 near "'path'": There already exists an option ['path' -> '/tmp/orders'] in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS.
!error

CREATE TABLE dup_key (PRIMARY KEY (amount) NOT ENFORCED) LIKE orders;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "CREATE": The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS.
!error

CREATE TABLE dup_watermark (WATERMARK FOR ts AS ts) LIKE orders;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 43 near "ts": There already exists a watermark spec for column 'ts' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS.
!error

CREATE TABLE dup_partitions PARTITIONED BY (amount) LIKE orders;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "CREATE": The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS.
!error

CREATE TABLE dup_generated (doubled AS amount * 3) LIKE orders;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 29 near "doubled": A generated column named 'doubled' already exists in the base table. You might want to specify EXCLUDING GENERATED or OVERWRITING GENERATED.
!error

CREATE TABLE dup_physical (amount INT) LIKE orders;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 28 near "amount": A column named 'amount' already exists in the base table.
!error

CREATE TABLE computed_over_physical (amount AS id + 1) LIKE orders (OVERWRITING GENERATED);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 38 near "amount": A column named 'amount' already exists in the base table. Computed columns can only overwrite other computed columns.
!error

CREATE TABLE bad_option WITH ('connector' = 'blackhole') LIKE orders (OVERWRITING ALL);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 71 near "OVERWRITING": Illegal merging strategy 'OVERWRITING' for 'ALL' option.
!error

CREATE TABLE twice WITH ('connector' = 'blackhole') LIKE orders (EXCLUDING OPTIONS INCLUDING OPTIONS);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 65 near "(": Each like option feature can be declared only once.
!error
