CREATE TABLE t (ts TIMESTAMP(3), k STRING, v INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');
CREATE TABLE s (a TIMESTAMP(3), b TIMESTAMP(3), c INT) WITH ('connector' = 'print');
CREATE TABLE plain (ts TIMESTAMP(3), v INT) WITH ('connector' = 'kafka', 'topic' = 'p', 'format' = 'json');
-- a table whose options are incomplete can be created; using it fails, as in Flink
CREATE TABLE bad2 (a INT) WITH ('connector' = 'kafka', 'format' = 'json');
-- cases
SELECT sttus FROM t;
SELECT k, SUM(v) FROM t GROUP BY window_start;
SELECT * FROM nope;
SELECT k, v FROM t GROUP BY k;
INSERT INTO s SELECT ts, ts FROM t;
INSERT INTO s SELECT ts, ts, k FROM t;
SELECT window_start FROM TABLE(TUMBLE(TABLE plain, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;
SELECT window_start, SUM(v) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start;
SELECT v + 'a' FROM t;
SELECT NO_SUCH_FUNCTION(v) FROM t;
CREATE TABLE bad1 (a INT) WITH ('connector' = 'nosuch');
SELECT a FROM bad2;
CREATE TABLE bad3 (a INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json', 'no.such.option' = '1');
CREATE TABLE bad4 (a INT, WATERMARK FOR b AS b) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json');
CREATE TABLE bad5 (a INT, WATERMARK FOR a AS a) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json');
CREATE TABLE t (x INT) WITH ('connector' = 'print');
SELECT k FROM t WHERE v;
SELECT k FORM t;
SELECT SUM(SUM(v)) FROM t;
INSERT INTO t SELECT * FROM plain;
SELECT CAST(k AS NOSUCHTYPE) FROM t;
