# hints.q - hints and EXPLAIN details Tumble parses but does not act on
# are answered with a warning: join strategy hints (batch-only in Flink),
# LOOKUP (Tumble's lookups are synchronous, never retried), unknown hints,
# and EXPLAIN ESTIMATED_COST / JSON_EXECUTION_PLAN / PLAN_ADVICE. OPTIONS
# and STATE_TTL act (OPTIONS also on the table an INSERT writes), an
# option they set that has no effect is warned about as in CREATE TABLE,
# and CHANGELOG_MODE is what every plan shows.

CREATE TABLE o (id INT, k INT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '1');
[INFO] Execute statement succeeded.
!info

CREATE TABLE d (k INT, name STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'd', 'key.format' = 'json', 'value.format' = 'json');
[INFO] Execute statement succeeded.
!info

EXPLAIN SELECT /*+ BROADCAST(d), SHUFFLE_HASH(o) */ o.id, d.name FROM o JOIN d ON o.k = d.k;
[WARNING] The hint BROADCAST has no effect: Flink's join strategy hints choose batch join algorithms, and Tumble's joins are streaming joins.
[WARNING] The hint SHUFFLE_HASH has no effect: Flink's join strategy hints choose batch join algorithms, and Tumble's joins are streaming joins.
== Physical Plan ==
Sink(table=[*client*], fields=[id, name]) changelogMode=[I,UB,UA,D]
+- Calc(select=[id, name]) changelogMode=[I,UB,UA,D]
   +- Join(joinType=[InnerJoin], where=[(k = k)], leftFields=[id, k], rightFields=[k, name]) changelogMode=[I,UB,UA,D]
      +- Calc(select=[id, k]) changelogMode=[I]
         +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
      +- ChangelogNormalize(key=[k]) changelogMode=[I,UB,UA,D]
         +- TableSourceScan(table=[d], connector=[upsert-kafka], topic=[d], format=[json], fields=[k, name]) changelogMode=[UA,D]
!warning

EXPLAIN SELECT /*+ NONSENSE */ id FROM o;
[WARNING] The hint NONSENSE is not known to Tumble: it has no effect.
== Physical Plan ==
Sink(table=[*client*], fields=[id]) changelogMode=[I]
+- Calc(select=[id]) changelogMode=[I]
   +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
!warning

EXPLAIN SELECT /*+ LOOKUP('table' = 'd', 'retry-predicate' = 'lookup_miss', 'retry-strategy' = 'fixed_delay', 'fixed-delay' = '10s', 'max-attempts' = '3') */ o.id, d.name FROM o JOIN d FOR SYSTEM_TIME AS OF o.pt ON o.k = d.k;
[WARNING] The hint LOOKUP has no effect: Tumble's lookup joins are synchronous and do not retry a lookup that misses.
== Physical Plan ==
Sink(table=[*client*], fields=[id, name]) changelogMode=[I]
+- Calc(select=[id, name]) changelogMode=[I]
   +- LookupJoin(table=[d], connector=[upsert-kafka], joinType=[InnerJoin], lookup=[k=k], leftFields=[id, k, pt], rightFields=[k, name]) changelogMode=[I]
      +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
!warning

EXPLAIN SELECT /*+ STATE_TTL('o' = '1d') */ o.k, COUNT(*) FROM o /*+ OPTIONS('number-of-rows' = '2') */ GROUP BY o.k;
== Physical Plan ==
Sink(table=[*client*], fields=[k, EXPR$1]) changelogMode=[I,UB,UA,D]
+- Calc(select=[k, EXPR$0 AS EXPR$1]) changelogMode=[I,UB,UA,D]
   +- GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS EXPR$0]) changelogMode=[I,UB,UA,D]
      +- Calc(select=[k]) changelogMode=[I]
         +- TableSourceScan(table=[o], connector=[datagen], hints=[OPTIONS(number-of-rows=2)], fields=[id, k, pt]) changelogMode=[I]
!ok

EXPLAIN ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN SELECT id FROM o;
[WARNING] EXPLAIN ESTIMATED_COST has no effect: Tumble's plan has no cost estimates.
[WARNING] EXPLAIN JSON_EXECUTION_PLAN has no effect: Tumble prints its plan as text only.
== Physical Plan ==
Sink(table=[*client*], fields=[id]) changelogMode=[I]
+- Calc(select=[id]) changelogMode=[I]
   +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
!warning

EXPLAIN CHANGELOG_MODE SELECT id FROM o;
== Physical Plan ==
Sink(table=[*client*], fields=[id]) changelogMode=[I]
+- Calc(select=[id]) changelogMode=[I]
   +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
!ok

EXPLAIN SELECT id FROM o /*+ OPTIONS('scan.parallelism' = '3') */;
[WARNING] Table 'o': 'scan.parallelism' has no effect: Tumble runs each job as one task.
== Physical Plan ==
Sink(table=[*client*], fields=[id]) changelogMode=[I]
+- Calc(select=[id]) changelogMode=[I]
   +- TableSourceScan(table=[o], connector=[datagen], hints=[OPTIONS(scan.parallelism=3)], fields=[id, k, pt]) changelogMode=[I]
!warning

EXPLAIN INSERT INTO d /*+ OPTIONS('sink.parallelism' = '2', 'properties.acks' = 'all') */ SELECT k, 'x' FROM o;
[WARNING] Table 'd': 'sink.parallelism' has no effect: Tumble runs each job as one task.
[WARNING] Table 'd': the Kafka client property 'properties.acks' is not used by Tumble: it has no effect.
== Physical Plan ==
Sink(table=[d], connector=[upsert-kafka], topic=[d], format=[json], fields=[k, name]) changelogMode=[I]
+- Calc(select=[k, 'x' AS name]) changelogMode=[I]
   +- TableSourceScan(table=[o], connector=[datagen], fields=[id, k, pt]) changelogMode=[I]
!warning
