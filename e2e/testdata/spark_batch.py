# Batch DataFrames and errors through the real Spark Connect client; prints
# what it saw as one JSON object for e2e/spark_test.go to check.
import sys, json
import pyspark.sql.functions as F
from pyspark.sql import SparkSession
from pyspark.errors import AnalysisException, ParseException
remote, broker = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote("sc://" + remote).getOrCreate()
out = {}
df = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker).option("subscribe", "transactions").load()
      .selectExpr("CAST(value AS STRING) AS v", "partition"))
out["count"] = df.count()
parsed = df.select(F.from_json("v", "event_timestamp STRING, user_id STRING, total_paid INT, status STRING").alias("t")).select("t.*")
out["schema"] = parsed.schema.simpleString()
agg = parsed.filter("status = 'Paid'").groupBy("total_paid").agg(F.count("*").alias("n"), F.sum("total_paid").alias("s")).orderBy("total_paid")
out["collect"] = [r.asDict() for r in agg.collect()]
out["show"] = agg._show_string(n=3, truncate=20)
out["tree"] = spark.client._analyze(method="tree_string", plan=agg._plan.to_proto(spark.client)).tree_string
out["sqlshow"] = spark.sql("SELECT 1 AS one, 'x' AS s")._show_string(n=20, truncate=20)
out["sql"] = [r.asDict() for r in spark.sql("SELECT id, name FROM people WHERE id > 1 ORDER BY id").collect()]
out["sqlagg"] = [r.asDict() for r in spark.sql("SELECT name, count(*) AS n FROM people GROUP BY name ORDER BY name").collect()]
errs = {}
for name, f in {
    "column": lambda: parsed.select("nope").collect(),
    "function": lambda: parsed.select(F.expr("frobnicate(user_id)")).collect(),
    "parse": lambda: parsed.selectExpr("CAST(user_id AS").collect(),
    "table": lambda: spark.sql("SELECT * FROM missing").collect(),
    "join": lambda: parsed.join(parsed, "user_id").collect(),
    "append": lambda: spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker).option("subscribe", "transactions").load().groupBy(F.window("timestamp", "3 seconds")).count().writeStream.format("noop").outputMode("append").start(),
    "batchwrite": lambda: df.write.format("kafka").save(),
}.items():
    try:
        f()
        errs[name] = "no error"
    except Exception as e:
        errs[name] = type(e).__name__ + ": " + str(e).split("\n")[0]
out["errors"] = errs
print(json.dumps(out))
