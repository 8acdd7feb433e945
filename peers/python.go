package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// venvRoot is where the checks keep their Python venvs, outside the
// repository and across runs (as make spark-venv and the e2e tests do).
func venvRoot() string {
	if d := os.Getenv("TUMBLE_PEERS_VENVS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "tumble-venvs")
	}
	return filepath.Join(home, ".cache", "tumble")
}

// venv returns the python of the venv dir, made on first use with pip
// install of pkgs (pinned versions from PyPI). probe is Python code that
// succeeds once the venv holds them; a venv that fails it is made again.
// PyPI out of reach (or no python3 with venv here) is a skip.
func (e *env) venv(ctx context.Context, dir, probe string, pkgs ...string) (string, error) {
	py := filepath.Join(dir, "bin", "python")
	if exec.CommandContext(ctx, py, "-c", probe).Run() == nil {
		return py, nil
	}
	if _, err := exec.LookPath("python3"); err != nil {
		return "", skipf("python3 is not installed (needed for a venv with %s)", strings.Join(pkgs, " "))
	}
	log := filepath.Join(e.logs, "pip-"+filepath.Base(dir)+".log")
	os.RemoveAll(dir)
	if err := e.runLogged(ctx, log, e.root, "python3", "-m", "venv", dir); err != nil {
		return "", skipf("python3 -m venv %s failed (%v; python3-venv missing? see %s)", dir, err, log)
	}
	if err := e.runLoggedAppend(ctx, log, e.root, filepath.Join(dir, "bin", "pip"), append([]string{"install", "-q"}, pkgs...)...); err != nil {
		os.RemoveAll(dir)
		return "", skipf("could not install %s from PyPI (%v: %s)", strings.Join(pkgs, " "), err, lastLines(readFile(log), 2))
	}
	if out, err := exec.CommandContext(ctx, py, "-c", probe).CombinedOutput(); err != nil {
		return "", fmt.Errorf("the venv %s does not import what it installed: %s", dir, lastLines(string(out), 3))
	}
	return py, nil
}

// runLoggedAppend is runLogged that appends to the log.
func (e *env) runLoggedAppend(ctx context.Context, log, dir, name string, args ...string) error {
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "$ %s %q\n", name, args)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, f, f
	return cmd.Run()
}
