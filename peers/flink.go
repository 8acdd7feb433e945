package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The pinned Apache Flink release (peers/flink/pom.xml).
const flinkVersion = "1.20.3"

// javaOpens are the module flags Flink 1.20 needs on Java 17 (as its
// env.java.opts.all).
var javaOpens = []string{
	"--add-exports=java.base/sun.net.util=ALL-UNNAMED",
	"--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
	"--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
	"--add-opens=java.base/java.lang=ALL-UNNAMED",
	"--add-opens=java.base/java.net=ALL-UNNAMED",
	"--add-opens=java.base/java.io=ALL-UNNAMED",
	"--add-opens=java.base/java.nio=ALL-UNNAMED",
	"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
	"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
	"--add-opens=java.base/java.text=ALL-UNNAMED",
	"--add-opens=java.base/java.time=ALL-UNNAMED",
	"--add-opens=java.base/java.util=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
}

// flinkRunner builds Tumble's Flink runner (peers/flink) with its
// dependencies into the cache, once per version of its sources, and
// returns the java arguments that run it.
func (e *env) flinkRunner(ctx context.Context) ([]string, error) {
	if _, err := exec.LookPath("mvn"); err != nil {
		return nil, skipf("mvn is not installed (needed to fetch Apache Flink %s from Maven Central)", flinkVersion)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, skipf("java is not installed (Apache Flink %s needs Java 11 or 17)", flinkVersion)
	}
	h := sha256.New()
	srcs, _ := filepath.Glob(filepath.Join(e.root, "peers/flink/src/main/java/dev/tumble/peers/*.java"))
	for i := range srcs {
		srcs[i], _ = filepath.Rel(e.root, srcs[i])
	}
	for _, f := range append([]string{"peers/flink/pom.xml", "peers/flink/src/main/resources/log4j2.properties"}, srcs...) {
		b, err := os.ReadFile(filepath.Join(e.root, f))
		if err != nil {
			return nil, err
		}
		h.Write(b)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	out := filepath.Join(e.cache, "flink-"+flinkVersion)
	marker := filepath.Join(out, ".built-"+sum)
	jar := filepath.Join(out, "flink", "target", "flink-runner-1.jar")
	if _, err := os.Stat(marker); err != nil {
		os.RemoveAll(out)
		log := filepath.Join(e.logs, "flink-build.log")
		if err := e.runLogged(ctx, log, e.root, "mvn", "-B", "-q", "-f", "peers/flink/pom.xml", "-Dpeers.dir="+out, "package"); err != nil {
			if strings.Contains(readFile(log), "Could not resolve dependencies") || strings.Contains(readFile(log), "Could not transfer") {
				return nil, skipf("could not fetch Apache Flink %s from Maven Central (see %s)", flinkVersion, log)
			}
			return nil, err
		}
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return nil, err
		}
	}
	args := append([]string{"-Xms256m", "-Xmx1g", "-XX:+UseSerialGC"}, javaOpens...)
	return append(args, "-cp", jar+string(os.PathListSeparator)+filepath.Join(out, "flink", "lib", "*"), "dev.tumble.peers.FlinkRunner"), nil
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
