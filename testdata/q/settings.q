# settings.q - SET checks keys and values against the settings Tumble
# reads: a bad value is an error, a key Tumble does not read is kept but
# answered with a warning, a deprecated key names its replacement, and
# SET; lists every key with the value in force and its default.

SET 'this.is.nonsense' = 'x';
[WARNING] The specified key 'this.is.nonsense' is not used by Tumble: setting it has no effect (SET; lists the keys Tumble reads).
[INFO] Execute statement succeeded.
!warning

SET 'table.exec.source.idle-timeout' = 'soon';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'table.exec.source.idle-timeout': invalid duration "soon"
!error

SET 'table.dml-sync' = 'maybe';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'table.dml-sync': 'maybe' is not a boolean (true or false)
!error

SET 'table.display.max-column-width' = '0';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'table.display.max-column-width': '0' is not a positive integer
!error

SET 'table.local-time-zone' = 'Mars/Olympus';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'table.local-time-zone': invalid time zone 'Mars/Olympus': unknown time zone Mars/Olympus
!error

SET 'execution.runtime-mode' = 'automatic';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "SET": Invalid value for 'execution.runtime-mode': 'automatic' is not one of streaming, batch
!error

SET 'sql-client.display.max-column-width' = '20';
[WARNING] The specified key 'sql-client.display.max-column-width' is deprecated. Please use 'table.display.max-column-width' instead.
[INFO] Execute statement succeeded.
!warning

SET 'restart-strategy' = 'none';
[WARNING] The specified key 'restart-strategy' is deprecated. Please use 'restart-strategy.type' instead.
[INFO] Execute statement succeeded.
!warning

SET 'pipeline.name' = 'my job';
[INFO] Execute statement succeeded.
!info

SET;
+--------------------------------------------+------------+----------------------+
|                                        key |      value |              default |
+--------------------------------------------+------------+----------------------+
|           execution.checkpointing.interval |        5 s |                  5 s |
|      execution.checkpointing.savepoint-dir |     (none) |               (none) |
|                     execution.runtime-mode |  streaming |            streaming |
| execution.savepoint.ignore-unclaimed-state |      false |                false |
|                   execution.savepoint.path |     (none) |               (none) |
|           pipeline.auto-watermark-interval |     200 ms |               200 ms |
|                   pipeline.max-parallelism |        128 |                  128 |
|                              pipeline.name |     my job |               (none) |
|      restart-strategy.fixed-delay.attempts | 2147483647 |           2147483647 |
|         restart-strategy.fixed-delay.delay |        1 s |                  1 s |
|                      restart-strategy.type |       none |          fixed-delay |
| sql-client.execution.max-table-result.rows |    1000000 |              1000000 |
|           sql-client.execution.result-mode |    tableau |              tableau |
|     state.backend.rocksdb.block.cache-size |       8 mb |                 8 mb |
|             state.backend.rocksdb.localdir |     (none) |               (none) |
|    state.backend.rocksdb.writebuffer.count |          2 |                    2 |
|     state.backend.rocksdb.writebuffer.size |      64 mb |                64 mb |
|                         state.backend.type |    hashmap |              hashmap |
|             table.display.max-column-width |         20 |                   30 |
|                             table.dml-sync |      false |                false |
|             table.exec.emit.allow-lateness |       0 ms |                 0 ms |
|           table.exec.emit.early-fire.delay |     (none) |               (none) |
|         table.exec.emit.early-fire.enabled |      false |                false |
|            table.exec.emit.late-fire.delay |     (none) |               (none) |
|          table.exec.emit.late-fire.enabled |      false |                false |
|          table.exec.sink.not-null-enforcer |      ERROR |                ERROR |
|             table.exec.source.idle-timeout |       0 ms |                 0 ms |
|                       table.exec.state.ttl |       0 ms |                 0 ms |
|                      table.local-time-zone |    default |              default |
|       table.optimizer.reuse-source-enabled |       true |                 true |
|     table.optimizer.reuse-sub-plan-enabled |       true |                 true |
|                           this.is.nonsense |          x | (not used by Tumble) |
+--------------------------------------------+------------+----------------------+
32 rows in set
!ok

RESET 'table.display.max-column-width';
[INFO] Execute statement succeeded.
!info

RESET 'this.is.nonsense';
[INFO] Execute statement succeeded.
!info

SET;
+--------------------------------------------+------------+-------------+
|                                        key |      value |     default |
+--------------------------------------------+------------+-------------+
|           execution.checkpointing.interval |        5 s |         5 s |
|      execution.checkpointing.savepoint-dir |     (none) |      (none) |
|                     execution.runtime-mode |  streaming |   streaming |
| execution.savepoint.ignore-unclaimed-state |      false |       false |
|                   execution.savepoint.path |     (none) |      (none) |
|           pipeline.auto-watermark-interval |     200 ms |      200 ms |
|                   pipeline.max-parallelism |        128 |         128 |
|                              pipeline.name |     my job |      (none) |
|      restart-strategy.fixed-delay.attempts | 2147483647 |  2147483647 |
|         restart-strategy.fixed-delay.delay |        1 s |         1 s |
|                      restart-strategy.type |       none | fixed-delay |
| sql-client.execution.max-table-result.rows |    1000000 |     1000000 |
|           sql-client.execution.result-mode |    tableau |     tableau |
|     state.backend.rocksdb.block.cache-size |       8 mb |        8 mb |
|             state.backend.rocksdb.localdir |     (none) |      (none) |
|    state.backend.rocksdb.writebuffer.count |          2 |           2 |
|     state.backend.rocksdb.writebuffer.size |      64 mb |       64 mb |
|                         state.backend.type |    hashmap |     hashmap |
|             table.display.max-column-width |         30 |          30 |
|                             table.dml-sync |      false |       false |
|             table.exec.emit.allow-lateness |       0 ms |        0 ms |
|           table.exec.emit.early-fire.delay |     (none) |      (none) |
|         table.exec.emit.early-fire.enabled |      false |       false |
|            table.exec.emit.late-fire.delay |     (none) |      (none) |
|          table.exec.emit.late-fire.enabled |      false |       false |
|          table.exec.sink.not-null-enforcer |      ERROR |       ERROR |
|             table.exec.source.idle-timeout |       0 ms |        0 ms |
|                       table.exec.state.ttl |       0 ms |        0 ms |
|                      table.local-time-zone |    default |     default |
|       table.optimizer.reuse-source-enabled |       true |        true |
|     table.optimizer.reuse-sub-plan-enabled |       true |        true |
+--------------------------------------------+------------+-------------+
31 rows in set
!ok
