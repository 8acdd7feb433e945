# Spark's triggers through the real Spark Connect client; prints what it saw
# as one JSON object for e2e/spark_test.go (TestSparkTriggers) to check.
import sys, json, time
import pyspark.sql.functions as F
from pyspark.sql import SparkSession
remote, broker, more = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.remote("sc://" + remote).getOrCreate()


def windows(**opts):
    r = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker)
         .option("subscribe", "transactions").option("startingOffsets", "earliest"))
    for k, v in opts.items():
        r = r.option(k, v)
    t = (r.load().select(F.from_json(F.col("value").cast("string"), "event_timestamp STRING, total_paid INT, status STRING").alias("t"))
         .select("t.*").filter("status = 'Paid'"))
    w = t.groupBy(F.window("event_timestamp", "3 seconds")).agg(F.sum("total_paid").alias("total_paid"), F.count("*").alias("n"))
    return w.select(F.col("window.start").alias("window_start"), "total_paid", "n").selectExpr("to_json(struct(*)) AS value")


def to_kafka(df, topic):
    return (df.writeStream.format("kafka").option("kafka.bootstrap.servers", broker).option("topic", topic)
            .option("checkpointLocation", topic).outputMode("update"))


out = {}
q = to_kafka(windows(maxOffsetsPerTrigger="1000"), "avail").trigger(availableNow=True).start()
out["avail_terminated"] = q.awaitTermination(60)
out["avail_batch"] = q.lastProgress["batchId"]

q = to_kafka(windows(maxOffsetsPerTrigger="1000"), "once").trigger(once=True).start()
out["once_terminated"] = q.awaitTermination(60)
out["once_batch"] = q.lastProgress["batchId"]
out["once_rows"] = q.lastProgress["numInputRows"]

q = to_kafka(windows(), "every2s").trigger(processingTime="2 seconds").start()
deadline = time.time() + 30
while (q.lastProgress is None or q.lastProgress["numInputRows"] == 0) and time.time() < deadline:
    time.sleep(0.2)
out["interval_first"] = q.lastProgress["numInputRows"]
first = q.lastProgress["batchId"]
open(more, "w").close()  # the test writes one more record now
while q.lastProgress["batchId"] == first and time.time() < deadline:
    time.sleep(0.2)
out["interval_second"] = q.lastProgress["numInputRows"]
q.stop()

errs = {}
try:
    to_kafka(windows(), "cont_agg").trigger(continuous="1 second").start()
    errs["continuous_agg"] = "no error"
except Exception as e:
    errs["continuous_agg"] = type(e).__name__ + ": " + str(e).split("\n")[0]
try:
    to_kafka(windows(), "bad").trigger(processingTime="soon").start()
    errs["interval"] = "no error"
except Exception as e:
    errs["interval"] = type(e).__name__ + ": " + str(e).split("\n")[0]
out["errors"] = errs

q = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker).option("subscribe", "transactions")
     .option("startingOffsets", "earliest").load().select("value")
     .writeStream.format("kafka").option("kafka.bootstrap.servers", broker).option("topic", "copy")
     .option("checkpointLocation", "copy").trigger(continuous="1 second").start())
n = 0
while n < 9001 and time.time() < deadline + 30:
    try:
        n = spark.read.format("kafka").option("kafka.bootstrap.servers", broker).option("subscribe", "copy").load().count()
    except Exception:
        pass  # the topic is not there yet
    time.sleep(0.3)
out["continuous_copied"] = n
q.stop()
print(json.dumps(out))
