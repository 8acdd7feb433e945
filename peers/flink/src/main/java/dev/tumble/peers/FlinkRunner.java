package dev.tumble.peers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Tumble's Flink runner for make peers: runs the statements of SQL files on a
 * local Flink environment, in order, as Flink's SQL client would.
 *
 * <pre>
 * FlinkRunner [--batch] [--parallelism N] FILE...
 * FlinkRunner --serve [--parallelism N]
 * </pre>
 *
 * With --serve it takes statements one by one on stdin instead ({@link Serve}).
 * SET 'key' = 'value' changes the table configuration. A SELECT prints its
 * changes to stdout, one JSON line each: {"op":"+I","row":[...]} with every
 * value as Flink prints it (null as JSON null), then {"end":true}. INSERT jobs
 * run in the background; once every statement ran, the runner waits for them
 * (an unbounded job runs until the process is killed). An error prints
 * {"error":"...","statement":N} and exits with status 1.
 */
public final class FlinkRunner {
    private static final Pattern SET = Pattern.compile("(?is)^SET\\s+'([^']*)'\\s*=\\s*'([^']*)'$");

    public static void main(String[] args) throws Exception {
        boolean batch = false;
        boolean serve = false;
        int parallelism = 1;
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = true;
                case "--serve" -> serve = true;
                case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
                default -> files.add(args[i]);
            }
        }
        if (serve) {
            new Serve(parallelism).run();
            System.exit(0);
        }
        EnvironmentSettings settings = batch ? EnvironmentSettings.inBatchMode() : EnvironmentSettings.inStreamingMode();
        TableEnvironment env = TableEnvironment.create(settings);
        env.getConfig().set("parallelism.default", Integer.toString(parallelism));
        List<TableResult> jobs = new ArrayList<>();
        int n = 0;
        for (String f : files) {
            for (String stmt : split(Files.readString(Path.of(f), StandardCharsets.UTF_8))) {
                n++;
                try {
                    Matcher m = SET.matcher(stmt);
                    if (m.matches()) {
                        env.getConfig().set(m.group(1), m.group(2));
                        continue;
                    }
                    TableResult r = env.executeSql(stmt);
                    if (r.getJobClient().isEmpty()) {
                        continue; // DDL
                    }
                    String head = stmt.stripLeading().toUpperCase();
                    if (head.startsWith("INSERT") || head.startsWith("EXECUTE")) {
                        jobs.add(r);
                        System.out.println("{\"job\":\"" + r.getJobClient().get().getJobID() + "\",\"statement\":" + n + "}");
                        System.out.flush();
                        continue;
                    }
                    try (CloseableIterator<Row> it = r.collect()) {
                        while (it.hasNext()) {
                            Row row = it.next();
                            StringBuilder b = new StringBuilder("{\"op\":\"").append(row.getKind().shortString()).append("\",\"row\":[");
                            for (int i = 0; i < row.getArity(); i++) {
                                if (i > 0) {
                                    b.append(',');
                                }
                                Object v = row.getField(i);
                                if (v == null) {
                                    b.append("null");
                                } else {
                                    quote(b, v.toString());
                                }
                            }
                            System.out.println(b.append("]}"));
                        }
                    }
                    System.out.println("{\"end\":true,\"statement\":" + n + "}");
                    System.out.flush();
                } catch (Throwable t) {
                    StringBuilder b = new StringBuilder("{\"error\":");
                    quote(b, message(t));
                    System.out.println(b.append(",\"statement\":").append(n).append('}'));
                    System.out.flush();
                    System.exit(1);
                }
            }
        }
        for (TableResult r : jobs) {
            r.await();
        }
        System.exit(0);
    }

    /** A failure's message with its root cause. */
    static String message(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return t.getMessage() + (root != t ? " (" + root + ")" : "");
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Splits text into statements at ';' outside quotes and comments. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*' && !(i + 2 < text.length() && text.charAt(i + 2) == '+')) {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? text.length() : end + 2;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                int j = i + 1;
                while (j < text.length()) {
                    if (text.charAt(j) == c) {
                        if (j + 1 < text.length() && text.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                cur.append(text, i, Math.min(j + 1, text.length()));
                i = j + 1;
                continue;
            }
            if (c == ';') {
                add(out, cur);
                i++;
                continue;
            }
            cur.append(c);
            i++;
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }
}
