package dev.tumble.peers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.net.URI;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableResultInternal;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.utils.print.RowDataToStringConverter;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The runner's server mode for make peers' differential checks: one JVM runs
 * many cases, statement by statement, as Tumble's peers program asks over
 * stdin, one JSON request a line; each gets one JSON line on stdout with the
 * request's id ({"id":N,"error":"..."} on failure).
 *
 * <ul>
 *   <li>{"op":"exec","sql":S,"async":B,"timeoutMs":T}: one statement. SET
 *       'k' = 'v' sets the table configuration. A query answers {"columns":
 *       [{"name","type"}], "rows": [["+I", v1, ...], ...]}, each value as
 *       Flink's SQL client prints it (NULL as "&lt;NULL&gt;"). An INSERT
 *       waits for its job unless async, which answers {"job": id} and keeps
 *       the job running.
 *   <li>{"op":"sync","bootstrap":B,"timeoutMs":T}: waits until every running
 *       job has emitted every record of the Kafka partitions it reads (their
 *       end offsets on broker B) and its record counters have stood still
 *       for a second; a failed job is an error.
 *   <li>{"op":"drain","dir":D,"timeoutMs":T}: stops every running job with a
 *       savepoint under D, draining it: sources emit the final watermark, so
 *       every window fires (end of input).
 *   <li>{"op":"reset"}: cancels the jobs and starts a fresh environment.
 * </ul>
 */
final class Serve {
    private static final Pattern SET = Pattern.compile("(?is)^SET\\s+'([^']*)'\\s*=\\s*'([^']*)'$");
    private static final Pattern RESET = Pattern.compile("(?is)^RESET\\s+'([^']*)'$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int parallelism;
    private final MiniCluster cluster;
    private final URI rest;
    /**
     * The environments by name: "jobs" (streaming, INSERT jobs that keep
     * running), "query" and "qbatch" (streaming and batch, every Kafka table
     * bounded at the latest offsets), "batch".
     */
    private final Map<String, TableEnvironment> envs = new HashMap<>();
    private final List<JobClient> jobs = new ArrayList<>();
    /** When each async job was submitted. */
    private final Map<String, Long> started = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "peers-timeout");
        t.setDaemon(true);
        return t;
    });

    Serve(int parallelism) throws Exception {
        this.parallelism = parallelism;
        // One local cluster for the whole run: every job is submitted to it
        // over its REST endpoint (a free port), instead of a cluster started
        // per job as a local environment does (seconds each). Our reporter
        // sees how far each job has read.
        Configuration conf = new Configuration();
        conf.setString("rest.bind-port", "0");
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("rest.address", "127.0.0.1");
        conf.setString("taskmanager.memory.managed.size", "256m");
        conf.setString("taskmanager.memory.network.min", "128m");
        conf.setString("taskmanager.memory.network.max", "128m");
        conf.setString("metrics.reporter.peers.factory.class", PeersReporter.class.getName());
        conf.setString("metrics.reporter.peers.interval", "1 h");
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(32)
                .build());
        cluster.start();
        rest = cluster.getRestAddress().get();
        reset();
    }

    private TableEnvironment newEnv(boolean batch, String checkpoints) {
        Configuration conf = new Configuration();
        if (checkpoints != null) {
            conf.setString("execution.checkpointing.interval", checkpoints);
        }
        // A failed job stays failed, as Tumble's (checkpoints would make
        // Flink restart it forever).
        conf.setString("restart-strategy.type", "none");
        conf.setString("execution.target", "remote");
        conf.setString("rest.address", rest.getHost());
        conf.setString("rest.port", Integer.toString(rest.getPort()));
        EnvironmentSettings.Builder b = EnvironmentSettings.newInstance().withConfiguration(conf);
        TableEnvironment e = TableEnvironment.create((batch ? b.inBatchMode() : b.inStreamingMode()).build());
        e.getConfig().set("parallelism.default", Integer.toString(parallelism));
        return e;
    }

    void run() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode req = JSON.readTree(line);
            ObjectNode resp = JSON.createObjectNode();
            resp.put("id", req.path("id").asLong());
            long timeout = req.path("timeoutMs").asLong(60_000);
            long began = System.currentTimeMillis();
            try {
                switch (req.path("op").asText()) {
                    case "exec" -> {
                        List<String> names = new ArrayList<>();
                        req.path("envs").forEach(n -> names.add(n.asText()));
                        if (names.isEmpty()) {
                            names.add("jobs");
                        }
                        for (String n : names) {
                            TableEnvironment env = envs.get(n);
                            if (env == null) {
                                throw new IllegalArgumentException("unknown environment " + n);
                            }
                            exec(env, req.path("sql").asText(), req.path("async").asBoolean(false), timeout, resp);
                        }
                    }
                    case "sync" -> sync(req.path("bootstrap").asText(), timeout);
                    case "drain" -> drain(req.path("dir").asText(), timeout);
                    case "checkpoint" -> {
                        for (JobClient job : running()) {
                            failed(job);
                            cluster.triggerCheckpoint(job.getJobID()).get(timeout, TimeUnit.MILLISECONDS);
                        }
                    }
                    case "reset" -> reset();
                    default -> throw new IllegalArgumentException("unknown op " + req.path("op").asText());
                }
                resp.put("ok", true);
            } catch (Throwable t) {
                resp.put("error", FlinkRunner.message(t));
            }
            resp.put("ms", System.currentTimeMillis() - began);
            System.out.println(JSON.writeValueAsString(resp));
            System.out.flush();
        }
        reset();
        cluster.close();
    }

    private void exec(TableEnvironment env, String stmt, boolean async, long timeout, ObjectNode resp) throws Exception {
        Matcher m = SET.matcher(stmt.strip());
        if (m.matches()) {
            env.getConfig().set(m.group(1), m.group(2));
            return;
        }
        Matcher r0 = RESET.matcher(stmt.strip());
        if (r0.matches()) {
            env.getConfig().getConfiguration().removeKey(r0.group(1));
            return;
        }
        TableResult r = env.executeSql(stmt);
        if (r.getJobClient().isEmpty()) {
            return; // DDL, SHOW, EXPLAIN, ...
        }
        JobClient job = r.getJobClient().get();
        String head = stmt.stripLeading().toUpperCase();
        if (head.startsWith("INSERT") || head.startsWith("EXECUTE") || head.startsWith("STATEMENT SET")) {
            if (async) {
                jobs.add(job);
                started.put(job.getJobID().toString(), System.currentTimeMillis());
                resp.put("job", job.getJobID().toString());
                return;
            }
            try {
                job.getJobExecutionResult().get(timeout, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                job.cancel();
                throw new RuntimeException("the job did not finish within " + timeout + " ms");
            }
            return;
        }
        ArrayNode cols = resp.putArray("columns");
        for (Column c : r.getResolvedSchema().getColumns()) {
            cols.addObject().put("name", c.getName()).put("type", c.getDataType().toString());
        }
        ArrayNode rows = resp.putArray("rows");
        TableResultInternal ri = (TableResultInternal) r;
        RowDataToStringConverter conv = ri.getRowDataToStringConverter();
        AtomicBoolean timedOut = new AtomicBoolean();
        try (CloseableIterator<RowData> it = ri.collectInternal()) {
            ScheduledFuture<?> watchdog = timer.schedule(() -> {
                timedOut.set(true);
                try {
                    it.close();
                } catch (Exception ignored) {
                    // the job is cancelled either way
                }
            }, timeout, TimeUnit.MILLISECONDS);
            try {
                while (it.hasNext()) {
                    RowData row = it.next();
                    ArrayNode a = rows.addArray();
                    a.add(row.getRowKind().shortString());
                    for (String v : conv.convert(row)) {
                        a.add(v);
                    }
                }
            } catch (RuntimeException e) {
                if (!timedOut.get()) {
                    throw e;
                }
            } finally {
                watchdog.cancel(false);
            }
        }
        if (timedOut.get()) {
            throw new RuntimeException("the query did not finish within " + timeout + " ms (" + rows.size() + " rows so far)");
        }
    }

    /** Waits until every running job has read its Kafka partitions to their ends and stands still. */
    private void sync(String bootstrap, long timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout;
        if (running().isEmpty()) {
            return;
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            for (JobClient job : running()) {
                String id = job.getJobID().toString();
                // A job just submitted has not been assigned its partitions
                // yet: wait for its first positions (up to 15 s after its
                // submission: a job may read no Kafka topic).
                while (PeersReporter.POSITIONS.getOrDefault(id, Map.of()).isEmpty()
                        && System.currentTimeMillis() - started.getOrDefault(id, 0L) < 15_000
                        && System.currentTimeMillis() < deadline) {
                    failed(job);
                    Thread.sleep(100);
                }
                while (true) {
                    failed(job);
                    Map<TopicPartition, Long> pos = new HashMap<>();
                    for (PeersReporter.Position x : PeersReporter.POSITIONS.getOrDefault(id, Map.of()).values()) {
                        Object v = x.offset().getValue();
                        pos.merge(new TopicPartition(x.topic(), x.partition()), v instanceof Number n ? n.longValue() : -1L, Math::max);
                    }
                    boolean behind = false;
                    if (!pos.isEmpty()) {
                        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
                        pos.keySet().forEach(tp -> q.put(tp, OffsetSpec.latest()));
                        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(q).all().get(10, TimeUnit.SECONDS);
                        for (var e : ends.entrySet()) {
                            if (pos.get(e.getKey()) + 1 < e.getValue().offset()) {
                                behind = true;
                            }
                        }
                    }
                    if (!behind) {
                        break;
                    }
                    if (System.currentTimeMillis() > deadline) {
                        throw new RuntimeException("job " + id + " did not catch up with its input within " + timeout + " ms: " + pos);
                    }
                    Thread.sleep(100);
                }
            }
        }
        // Then every running job's counters stand still for a second (a
        // watermark every 200 ms fires what the input closed).
        Map<String, Long> last = counts();
        long still = System.currentTimeMillis();
        while (System.currentTimeMillis() - still < 1000) {
            Thread.sleep(200);
            for (JobClient job : running()) {
                failed(job);
            }
            Map<String, Long> now = counts();
            if (!now.equals(last)) {
                last = now;
                still = System.currentTimeMillis();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new RuntimeException("the jobs did not stand still within " + timeout + " ms");
            }
        }
    }

    private Map<String, Long> counts() {
        Map<String, Long> out = new HashMap<>();
        for (JobClient job : running()) {
            String id = job.getJobID().toString();
            long n = 0;
            for (Counter c : PeersReporter.COUNTERS.getOrDefault(id, Map.of()).values()) {
                n += c.getCount();
            }
            out.put(id, n);
        }
        return out;
    }

    private List<JobClient> running() {
        List<JobClient> out = new ArrayList<>();
        for (JobClient j : jobs) {
            try {
                JobStatus st = j.getJobStatus().get(10, TimeUnit.SECONDS);
                if (!st.isGloballyTerminalState() || st == JobStatus.FAILED) {
                    out.add(j);
                }
            } catch (Exception e) {
                out.add(j);
            }
        }
        return out;
    }

    /** Throws the failure of a job that failed. */
    private static void failed(JobClient job) throws Exception {
        JobStatus st;
        try {
            st = job.getJobStatus().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return; // finished and gone
        }
        if (st == JobStatus.FAILED) {
            try {
                job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new RuntimeException("job " + job.getJobID() + " failed: " + FlinkRunner.message(e));
            }
            throw new RuntimeException("job " + job.getJobID() + " failed");
        }
    }

    private void drain(String dir, long timeout) throws Exception {
        for (JobClient job : running()) {
            failed(job);
            job.stopWithSavepoint(true, dir, SavepointFormatType.CANONICAL).get(timeout, TimeUnit.MILLISECONDS);
            try {
                job.getJobExecutionResult().get(timeout, TimeUnit.MILLISECONDS);
            } catch (Exception ignored) {
                // a stopped job's result may be gone with its cluster
            }
        }
        jobs.clear();
    }

    private void reset() {
        for (JobClient j : jobs) {
            try {
                j.cancel().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already finished
            }
        }
        jobs.clear();
        started.clear();
        // The jobs' checkpoints come only when asked for (a filesystem sink
        // commits its files on one).
        envs.put("jobs", newEnv(false, "1 h"));
        envs.put("query", newEnv(false, null));
        envs.put("qbatch", newEnv(true, null));
        envs.put("batch", newEnv(true, null));
    }
}
