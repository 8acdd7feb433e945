# Tumble — the targets people look for.
GO      ?= go
BIN     := bin/tumble
N       ?= 100
# make data's pace is the seed producer's: 10 processes, each sending a record
# every 0.3 s (about 33 per second), so event-time windows close while it
# runs. RATE=0 sends as fast as possible.
RATE    ?= 33
BOOTSTRAP ?= localhost:9092
SCHEMA_REGISTRY ?= http://127.0.0.1:8081

.PHONY: confluent-venv all build test suites lint vet fmt-check tidy-check bench soak nexmark demo sql-cli kafka data slt fuzz clean project ksql-cli peers proto spark spark-venv

all: build

build:
	$(GO) build -o $(BIN) ./cmd/tumble

# The README's test command: vet, formatting, unit and end-to-end tests
# (race detector on), then the sqllogictest golden files on an embedded
# broker, then the other engines' suites in $(SHARED)/suites, each checked
# case by case against its expectations in testdata/suites (a case that
# changes state fails; new cases are listed; -update rewrites the file).
SHARED       ?= ../shared
QTT_DIR      ?= $(SHARED)/suites/ksqldb-qtt
FLINKQ_DIR   ?= $(SHARED)/suites/flink/sql-client
FLINKDOC_DIR ?= $(SHARED)/suites/flink/docs
RISINGWAVE_DIR ?= $(SHARED)/suites/risingwave/nexmark

test: vet fmt-check tidy-check
	@[ -x "$(CONFLUENT_PYTHON)" ] || [ -n "$$TUMBLE_CONFLUENT_PYTHON" ] || \
		echo "SKIP Confluent's Python client against Tumble (e2e/confluent_client_test.go): no venv at $(CONFLUENT_VENV) (make confluent-venv)"
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$$TUMBLE_CHROMIUM" ] || \
		echo "SKIP browser tests of Tumble Console (e2e/console_test.go): chromium is not installed (apt-get install -y chromium)"
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz
	$(GO) run ./cmd/tumble test testdata/slt
	$(GO) run ./cmd/tumble test testdata/q/*.q
	$(MAKE) --no-print-directory suites

# Confluent's Python client (confluent-kafka with its Avro, Protobuf and
# JSON Schema serializers, from PyPI) in a venv outside the repository,
# for e2e/confluent_client_test.go; .ci/run makes it.
CONFLUENT_VENV   ?= $(HOME)/.cache/tumble/confluent-venv
CONFLUENT_PYTHON := $(CONFLUENT_VENV)/bin/python
confluent-venv:
	@if ! "$(CONFLUENT_PYTHON)" -c 'import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.protobuf, confluent_kafka.schema_registry.json_schema' 2>/dev/null; then \
		python3 -m venv "$(CONFLUENT_VENV)" && \
		"$(CONFLUENT_VENV)/bin/pip" install -q 'confluent-kafka[avro,protobuf,json,schemaregistry]==2.16.1'; \
	fi

# The external suites against their expectations (each runs even when
# another fails); UPDATE=1 rewrites the expectations.
suites:
	@$(GO) build -o bin/tumble-suites ./cmd/tumble
	@status=0; \
	if ls $(QTT_DIR)/*.json >/dev/null 2>&1; then \
		./bin/tumble-suites test --qtt --expect testdata/suites/ksqldb-qtt.txt $(if $(UPDATE),-update) $(QTT_DIR) || status=1; \
	else echo "SKIP ksqlDB query-validation tests: $(QTT_DIR) is absent"; fi; \
	if ls $(FLINKQ_DIR)/*.q >/dev/null 2>&1; then \
		./bin/tumble-suites test --expect testdata/suites/flink-sql-client.txt $(if $(UPDATE),-update) $(FLINKQ_DIR)/*.q || status=1; \
	else echo "SKIP Flink SQL client scripts: $(FLINKQ_DIR) is absent"; fi; \
	if ls $(FLINKDOC_DIR)/*.md >/dev/null 2>&1; then \
		./bin/tumble-suites test --expect testdata/suites/flink-docs.txt $(if $(UPDATE),-update) $(FLINKDOC_DIR) || status=1; \
	else echo "SKIP Flink documentation examples: $(FLINKDOC_DIR) is absent"; fi; \
	if ls $(RISINGWAVE_DIR)/streaming-nexmark/*.slt.part >/dev/null 2>&1; then \
		./bin/tumble-suites test --risingwave --expect testdata/suites/risingwave-nexmark.txt $(if $(UPDATE),-update) $(RISINGWAVE_DIR) || status=1; \
	else echo "SKIP RisingWave Nexmark tests: $(RISINGWAVE_DIR) is absent"; fi; \
	exit $$status

slt: build
	./$(BIN) test testdata/slt

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: vet fmt-check tidy-check

# go.mod lists what the code imports, direct requirements apart from
# indirect ones (go mod tidy -diff prints what tidy would change).
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

# The seed pipeline against the hand-written baseline (bench/), 2,000,000
# records, checkpoints every second; then the micro-benchmarks of the hot
# pieces (JSON decode, expressions, window aggregation, sink encoding).
BENCH_N ?= 2000000
bench: build
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) build -o bin/seedbench ./bench/seedbench
	./bin/seedbench -n $(BENCH_N) -tumble $(BIN) -baseline bin/baseline -checkpoint-interval 1s
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./connectors/format/

# The Nexmark benchmark (bench/nexmark): each query of the Nexmark suite
# (NEXMARK_DIR, read at run time) over NEXMARK_N events of the 'nexmark'
# generator into its blackhole sink, one process per query; prints events/s,
# wall and CPU time and peak RSS per query, and the planner's error for the
# queries Tumble cannot plan. NEXMARK_Q=q0,q5 runs some; keyed state is in
# the disk backend, as the Nexmark project runs Flink with RocksDB
# (NEXMARK_STATE=hashmap keeps it in memory); NEXMARK_TIMEOUT=10m lowers
# the per-query limit (60m).
NEXMARK_N   ?= 10000000
NEXMARK_DIR ?= $(SHARED)/suites/nexmark
NEXMARK_Q   ?=
# The soak (not in make test): both seed pipelines (queries/flink and
# queries/ksql on tumble server, against tumble kafka with its default
# settings) on a live stream of SOAK_RATE records/s for SOAK_DURATION; the
# RSS of the broker and of the server, the broker's data directory and the
# records read, every 30 s, as a table (and SOAK_CSV); it fails unless
# every job still runs and memory stayed flat. SOAK_FLAGS=-embedded runs the
# broker inside the server, as make project does; SOAK_FLAGS='-pprof ADDR' serves
# the server's pprof endpoints for heap profiles. docs/performance.md has runs.
SOAK_DURATION ?= 30m
SOAK_RATE     ?= 20000
SOAK_CSV      ?= bin/soak.csv
soak: build
	$(GO) build -o bin/soak ./bench/soak
	./bin/soak -tumble $(BIN) -duration $(SOAK_DURATION) -rate $(SOAK_RATE) -csv $(SOAK_CSV) $(SOAK_FLAGS)

nexmark:
	$(GO) build -o bin/nexmark ./bench/nexmark
	./bin/nexmark -suite $(NEXMARK_DIR) -n $(NEXMARK_N) $(if $(NEXMARK_Q),-q $(NEXMARK_Q)) $(if $(NEXMARK_STATE),-state $(NEXMARK_STATE)) $(if $(NEXMARK_TIMEOUT),-timeout $(NEXMARK_TIMEOUT))

# Tumble beside the real systems (peers/): Apache Kafka, Apache Flink and
# Apache Spark, fetched from Maven Central and PyPI into PEERS_CACHE (outside
# the tracked files; ~/.m2 keeps Maven's downloads). One line per check,
# then "N passed, N failed, N skipped"; a registry out of reach is a SKIP,
# a disagreement a failure. PEERS_CHECKS=kafka,flink runs some.
PEERS_CACHE  ?= .tumble/peers
PEERS_CHECKS ?=
peers: build
	$(GO) run ./peers -tumble $(BIN) -cache $(PEERS_CACHE) $(if $(PEERS_CHECKS),-checks $(PEERS_CHECKS))

# One command for a new user: embedded broker + the Flink pipeline + data.
demo: build
	./$(BIN) demo

kafka: build
	./$(BIN) kafka --listen 127.0.0.1:9092 --data-dir .tumble/kafka --partitions 3 --schema-registry 127.0.0.1:8081

data: build
	./$(BIN) datagen -n $(N) --rate $(RATE) --bootstrap $(BOOTSTRAP)

sql-cli: build
	./$(BIN) sql --bootstrap $(BOOTSTRAP) --schema-registry $(SCHEMA_REGISTRY)

# The whole project on one server: the embedded broker and `tumble server`
# in one process (catalog and checkpoints in .tumble/server), the topic
# 'transactions' with 3 partitions, then queries/flink (through
# /v1/statements) and queries/ksql (each file posted to /ksql, as ksqlDB's
# clients do). A restart finds its catalog and jobs again and submits
# nothing (`make clean` starts over). Runs until Ctrl-C; `make data` feeds
# it, `make ksql-cli` talks to it.
SERVER_URL ?= http://127.0.0.1:8088
project: build
	@mkdir -p .tumble/server; \
	fresh=yes; if [ -s .tumble/server/catalog.log ]; then fresh=no; fi; \
	./$(BIN) server --embedded-kafka 127.0.0.1:9092 --data-dir .tumble/server --listen 127.0.0.1:8088 --embedded-schema-registry 127.0.0.1:8081 --topic transactions:3 \
	  --spark-connect $(SPARK_REMOTE) --spark-checkpoint-root .tumble/server/spark & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid; exit 0' INT TERM; \
	if [ $$fresh = yes ]; then \
	  ./$(BIN) sql --server $(SERVER_URL) -f queries/flink && \
	  ./$(BIN) sql --server $(SERVER_URL) --ksql -f queries/ksql || { kill -TERM $$pid; wait $$pid; exit 1; }; \
	else echo "[project] catalog and jobs restored from .tumble/server (make clean to start over)"; fi; \
	echo "[project] Tumble Console: $(SERVER_URL)/ (jobs, topics, the ksqlDB results as a live table)"; \
	$(MAKE) --no-print-directory spark BOOTSTRAP=127.0.0.1:9092 > .tumble/spark.log 2>&1 & \
	echo "[project] the seed's Spark job runs through Spark Connect on $(SPARK_REMOTE) (its output: .tumble/spark.log)"; \
	echo "[project] running: make data N=1000 feeds it, make ksql-cli talks to it; Ctrl-C stops it"; \
	wait $$pid

# The seed's PySpark job (SPARK_JOB, read at run time) against a running
# `tumble server --spark-connect`, with the only edits it needs: its
# session points at SPARK_REMOTE, its broker is BOOTSTRAP, and the
# setLogLevel line goes (no Spark Connect client has a SparkContext). The
# client is pyspark-client in a venv outside the repository.
SPARK_REMOTE ?= 127.0.0.1:15002
SPARK_JOB    ?= ../shared/seed/spark/transaction_job.py
SPARK_VENV   ?= $(HOME)/.cache/tumble/pyspark-venv
PYSPARK_CLIENT ?= pyspark-client==4.0.1
spark: spark-venv
	@mkdir -p .tumble/spark
	sed -e 's#\.master("spark://spark:7077")#.remote("sc://$(SPARK_REMOTE)")#' -e 's#kafka:29092#$(BOOTSTRAP)#g' \
	  -e '/sparkContext\.setLogLevel/d' $(SPARK_JOB) > .tumble/spark/transaction_job.py
	$(SPARK_VENV)/bin/python .tumble/spark/transaction_job.py

# The venv of the real Spark Connect client, for make spark and the e2e
# tests of Spark Connect (.ci/run makes it; without it they SKIP).
spark-venv:
	@if ! "$(SPARK_VENV)/bin/python" -c 'import pyspark.sql.connect.session' 2>/dev/null; then \
		python3 -m venv "$(SPARK_VENV)" && "$(SPARK_VENV)/bin/pip" install -q '$(PYSPARK_CLIENT)'; \
	fi

# Regenerates the Go code of Spark Connect's protocol (spark/connect/pb)
# from Tumble's .proto files (protoc: Debian's protobuf-compiler).
proto:
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc -I spark/connect/proto \
	  --go_out=. --go_opt=module=github.com/tumble/tumble \
	  --go-grpc_out=. --go-grpc_opt=module=github.com/tumble/tumble \
	  spark/connect/proto/spark/connect/*.proto

ksql-cli: build
	./$(BIN) sql --server $(SERVER_URL) --ksql

# Short fuzz runs of the statement parser and the JSON decoder (also in make
# test). An input that fails is written to the package's testdata/fuzz/,
# where go test replays it from then on: the run fails until it is
# committed (with the fix), so a failure found once is never lost.
# FUZZTIME counts inputs (the cached corpus's first, then new ones), not
# seconds: the same work on a loaded machine as on an idle one, and Go
# 1.26's fuzzer can fail a time-bounded run with a spurious 'context
# deadline exceeded' when its time is up (golang/go#75804). FUZZTIME=30s
# still fuzzes for a while.
FUZZTIME ?= 2000x
fuzz:
	@status=0; \
	$(GO) test ./sql -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) || status=1; \
	$(GO) test ./connectors/format -run '^$$' -fuzz FuzzJSONDecode -fuzztime $(FUZZTIME) || status=1; \
	new=$$(git status --porcelain --untracked-files=all -- '*testdata/fuzz/*' 2>/dev/null); \
	if [ -n "$$new" ]; then \
		echo "fuzz inputs that failed are not committed; commit them with the fix (go test replays them):"; \
		echo "$$new"; status=1; \
	fi; \
	exit $$status

clean:
	rm -rf bin .tumble
