# shellcheck shell=bash
# CPU steal of this machine: time the hypervisor ran something else while a vCPU wanted to run.
# The shared VM's slow phases show up here, so the benchmarks print it beside every latency they
# measure (docs/performance.md, "The VM's CPU steal and the unary p99").

# "total steal" in clock ticks, from the machine-wide line of /proc/stat.
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9 }' /proc/stat; }

# Percent of the CPU time between two cpu_ticks readings that was stolen.
steal_percent() { # "total steal" before, "total steal" after
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.1f", (y[1] > x[1] ? 100 * (y[2] - x[2]) / (y[1] - x[1]) : 0) }'
}
