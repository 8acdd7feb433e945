package dev.tumble.peers;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A metric reporter that keeps, in this JVM, what {@link Serve} needs to tell
 * whether a running job has caught up with its input: each Kafka source
 * reader's current offset per partition, and the job's record counters. The
 * local environment runs jobs in the runner's own JVM, so the reporter's maps
 * are read directly.
 */
public final class PeersReporter implements MetricReporter, MetricReporterFactory {
    /** A partition a job reads and the gauge of the last offset it emitted. */
    record Position(String topic, int partition, Gauge<?> offset) {}

    /** Per job id: Kafka source positions by metric identifier. */
    static final Map<String, Map<String, Position>> POSITIONS = new ConcurrentHashMap<>();

    /** Per job id: counters of records in and out, by metric identifier. */
    static final Map<String, Map<String, Counter>> COUNTERS = new ConcurrentHashMap<>();

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return this;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> vars = group.getAllVariables();
        String job = vars.get("<job_id>");
        if (job == null) {
            return;
        }
        String id = group.getMetricIdentifier(name);
        if (name.equals("currentOffset") && metric instanceof Gauge<?> g && vars.containsKey("<topic>") && vars.containsKey("<partition>")) {
            POSITIONS.computeIfAbsent(job, k -> new ConcurrentHashMap<>())
                    .put(id, new Position(vars.get("<topic>"), Integer.parseInt(vars.get("<partition>")), g));
        } else if ((name.equals("numRecordsIn") || name.equals("numRecordsOut")) && metric instanceof Counter c) {
            COUNTERS.computeIfAbsent(job, k -> new ConcurrentHashMap<>()).put(id, c);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String job = group.getAllVariables().get("<job_id>");
        if (job == null) {
            return;
        }
        String id = group.getMetricIdentifier(name);
        Map<String, Position> p = POSITIONS.get(job);
        if (p != null) {
            p.remove(id);
        }
        Map<String, Counter> c = COUNTERS.get(job);
        if (c != null) {
            c.remove(id);
        }
    }
}
