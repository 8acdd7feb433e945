# Spark's Kafka sink and source options through the real Spark Connect
# client: a topic column routes each row when no topic option is given;
# subscribePattern and assign read back what was routed; prints what it saw
# as one JSON object for e2e/spark_test.go (TestSparkKafkaTopics) to check.
import sys, json
import pyspark.sql.functions as F
from pyspark.sql import SparkSession
remote, broker = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote("sc://" + remote).getOrCreate()


def source():
    return (spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker)
            .option("subscribe", "transactions").option("startingOffsets", "earliest").load())


def sink(df, name):
    return (df.writeStream.format("kafka").option("kafka.bootstrap.servers", broker)
            .option("checkpointLocation", name).outputMode("append").trigger(availableNow=True))


def err(f):
    try:
        f()
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e).split("\n")[0]


out = {}
routed = (source().select(F.from_json(F.col("value").cast("string"), "status STRING").alias("t"), "key", "value")
          .selectExpr("CASE WHEN t.status = 'Paid' THEN 'route_paid' ELSE 'route_refused' END AS topic", "key", "value"))
q = sink(routed, "routed").start()
out["routed_terminated"] = q.awaitTermination(120)


def read(**opts):
    r = spark.read.format("kafka").option("kafka.bootstrap.servers", broker)
    for k, v in opts.items():
        r = r.option(k, v)
    return r.load()


out["by_topic"] = {r["topic"]: r["count"] for r in read(subscribePattern="route_.*").groupBy("topic").count().collect()}
out["paid_by_partition"] = {str(r["partition"]): r["count"] for r in read(subscribe="route_paid").groupBy("partition").count().collect()}
# the fullest partition (a count() over no rows answers no row: Tumble's
# batch aggregates over empty input are empty, not 0)
fullest = max(out["paid_by_partition"], key=lambda p: out["paid_by_partition"][p])
out["assigned_partition"] = int(fullest)
assign = json.dumps({"route_paid": [int(fullest)]})
out["assigned"] = read(assign=assign).count()
out["assigned_partitions"] = sorted({r["partition"] for r in read(assign=assign).select("partition").collect()})

errs = {}
errs["no_topic"] = err(lambda: sink(source().select("value"), "no_topic").start())
errs["topic_type"] = err(lambda: sink(source().selectExpr("1 AS topic", "value"), "topic_type").start())
errs["both"] = err(lambda: read(subscribe="route_paid", assign='{"route_paid":[0]}').count())
errs["foreach_batch"] = err(lambda: source().writeStream.foreachBatch(lambda df, i: None).start())
errs["pattern_none"] = err(lambda: read(subscribePattern="nothing_.*").count())


def null_topic():
    q = sink(source().selectExpr("CAST(NULL AS STRING) AS topic", "value"), "null_topic").start()
    q.awaitTermination(120)
errs["null_topic"] = err(null_topic)
out["errors"] = errs
print(json.dumps(out))
