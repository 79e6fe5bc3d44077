#!/usr/bin/env bash
# Stop the cluster that scripts/slurm/start.sh started: cancel its jobs, then stop the slurmd
# daemons, slurmctld and munged through the pid files in the cluster directory. Only processes whose
# command line names that directory are signalled. Idempotent; quiet when nothing runs.
#
#   scripts/slurm/stop.sh         # ASYNCFLOW_SLURM_DIR as for start.sh (default /tmp/asyncflow-slurm)
set -uo pipefail

dir=$(realpath -m "${ASYNCFLOW_SLURM_DIR:-/tmp/asyncflow-slurm}")
[ -d "$dir" ] || exit 0
export SLURM_CONF=$dir/slurm.conf
while IFS='=' read -r name _; do
  case "$name" in SLURM_*) [ "$name" = SLURM_CONF ] || unset "$name" ;; esac
done < <(env)

say() { printf '[slurm/stop] %s\n' "$*" >&2; }
if [ "${ASYNCFLOW_SLURM_LOCK_HELD:-}" != "$dir" ]; then
  exec 8>"$dir/lock"
  flock -w 300 8 || { say "Cannot stop Slurm as the lock $dir/lock is held by another process"; exit 1; }
fi

# The pid in pid file $1, when that process is alive and was started with our directory.
our_pid() {
  local pid state
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/" || return 1
  echo "$pid"
}
alive() { local s; s=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]; }

# 1. Jobs: cancel while the controller runs, so that every slurmstepd and task ends; kill what is
#    left through the pids each node's slurmstepd reports; wait (bounded) for the queue to drain.
if our_pid "$dir/run/slurmctld.pid" >/dev/null; then
  jobs=$(squeue --noheader --format=%A 2>/dev/null | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null
  fi
  drained() { [ -z "$(squeue --noheader --format=%A 2>/dev/null)" ]; }
  for _ in $(seq 25); do drained && break; sleep 0.2; done
  for spool in "$dir"/spool/*; do
    [ -d "$spool" ] || continue
    pids=$(scontrol listpids '*' "$(basename "$spool")" 2>/dev/null | awk 'NR > 1 { print $1 }')
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
  done
  for _ in $(seq 50); do drained && break; sleep 0.2; done
fi

# 2. Daemons, in dependency order: slurmd, slurmctld, then munged (the others authenticate through it).
status=0
for file in "$dir"/run/slurmd-*.pid "$dir/run/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -e "$file" ] || continue
  if pid=$(our_pid "$file"); then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then
      say "pid $pid ($(basename "$file")) ignored SIGTERM: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null
      sleep 0.2
    fi
    if alive "$pid"; then say "could not stop pid $pid ($file)"; status=1; continue; fi
    say "stopped $(basename "$file" .pid) (pid $pid)"
  fi
  rm -f "$file"
done
exit "$status"
