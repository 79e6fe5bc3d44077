#!/usr/bin/env bash
# Start a single-machine Slurm cluster for development and CI: munged, slurmctld and one slurmd per
# fake node, all on 127.0.0.1, without systemd or cgroups (Debian's slurm-wlm 22.05).
#
#   eval "$(scripts/slurm/start.sh)"     # stdout is only: export SLURM_CONF=<dir>/slurm.conf
#   scripts/slurm/stop.sh                # stop it again
#
# Idempotent: when a cluster with the same configuration is already up in the directory, it only
# checks it and prints the export line. Installs the Debian packages with apt-get when missing.
# Must run as root. Everything (config, munge key and socket, pid files, logs, state) lives in the
# directory. Progress and errors go to stderr.
#
# Knobs (environment):
#   ASYNCFLOW_SLURM_DIR            cluster directory                  (default /tmp/asyncflow-slurm)
#   ASYNCFLOW_SLURM_NODES          fake nodes n1..nN, one slurmd each  (default 3)
#   ASYNCFLOW_SLURM_CPUS           CPUs per node, may exceed the real count (default 8)
#   ASYNCFLOW_SLURM_PORT           slurmctld port; slurmd ports follow (default 7817)
#   ASYNCFLOW_SLURM_OVERSUBSCRIBE  partition OverSubscribe value       (default NO; e.g. FORCE:2)
#   ASYNCFLOW_SLURM_CONF_EXTRA     extra lines appended to slurm.conf  (default none)
#   ASYNCFLOW_SLURM_WAIT           seconds to wait for a working srun  (default 60)
set -euo pipefail

dir=$(realpath -m "${ASYNCFLOW_SLURM_DIR:-/tmp/asyncflow-slurm}")
nodes=${ASYNCFLOW_SLURM_NODES:-3}
cpus=${ASYNCFLOW_SLURM_CPUS:-8}
port=${ASYNCFLOW_SLURM_PORT:-7817}
oversubscribe=${ASYNCFLOW_SLURM_OVERSUBSCRIBE:-NO}
wait_s=${ASYNCFLOW_SLURM_WAIT:-60}
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '[slurm/start] %s\n' "$*" >&2; }
die() {
  say "$*"
  for f in "$dir"/log/*.log "$dir"/log/*.out; do
    [ -s "$f" ] && { printf -- '--- %s\n' "$f" >&2; tail -n 8 "$f" >&2; }
  done
  exit 1
}

positive_int() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "Cannot start Slurm as $1 must be a positive integer: received '$2'"; }
positive_int ASYNCFLOW_SLURM_NODES "$nodes"
positive_int ASYNCFLOW_SLURM_CPUS "$cpus"
positive_int ASYNCFLOW_SLURM_PORT "$port"
positive_int ASYNCFLOW_SLURM_WAIT "$wait_s"
[ "$(id -u)" -eq 0 ] || die "Cannot start Slurm as the daemons must run as root: running as uid $(id -u)"
case "$dir" in *[[:space:]]*) die "Cannot start Slurm as the directory must not contain spaces: received '$dir'" ;; esac

# Variables of an enclosing Slurm job would redirect our srun checks into that job.
while IFS='=' read -r name _; do
  case "$name" in SLURM_*) unset "$name" ;; esac
done < <(env)

mkdir -p "$dir"
# One start or stop at a time for this directory (parallel callers wait here).
exec 8>"$dir/lock"
flock -w 300 8 || die "Cannot start Slurm as the lock $dir/lock is held by another process"

# --- packages --------------------------------------------------------------------------------------
missing=()
for pair in slurmctld:slurmctld slurmd:slurmd srun:slurm-client munged:munge; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  # Keep the packages' init scripts from starting system daemons (we run our own).
  blocker=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    blocker=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$blocker"
    chmod 755 "$blocker"
  fi
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  install || { apt-get update -q >&2 && install; } || { [ -z "$blocker" ] || rm -f "$blocker"; die "apt-get could not install ${missing[*]}"; }
  [ -z "$blocker" ] || rm -f "$blocker"
fi

# --- configuration ---------------------------------------------------------------------------------
if [ "$nodes" -eq 1 ]; then node_expr=n1; port_expr=$((port + 1)); else
  node_expr="n[1-$nodes]"; port_expr="[$((port + 1))-$((port + nodes))]"; fi
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
# The No*InAddrAny options bind to the address `hostname` resolves to; only safe when that is 127.0.0.1.
comm_line=
if [ "$(getent hosts "$(hostname)" | awk '{ print $1; exit }')" = 127.0.0.1 ]; then
  comm_line="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
fi
mkdir -p "$dir/munge" "$dir/run" "$dir/log" "$dir/state" "$dir/spool"
chmod 755 "$dir" "$dir/munge"
conf=$dir/slurm.conf
{
  echo "# Written by asyncflow scripts/slurm/start.sh; do not edit (it is rewritten on start)."
  echo "ClusterName=asyncflow"
  echo "SlurmctldHost=localhost(127.0.0.1)"
  echo "SlurmctldPort=$port"
  echo "SlurmUser=root"
  echo "AuthType=auth/munge"
  echo "AuthInfo=socket=$dir/munge/munge.socket"
  [ -z "$comm_line" ] || echo "$comm_line"
  echo "# No cgroups, no systemd, no accounting daemon."
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "AccountingStorageType=accounting_storage/none"
  echo "JobCompType=jobcomp/none"
  echo "MpiDefault=none"
  echo "MailProg=/bin/true"
  echo "SchedulerType=sched/backfill"
  echo "SchedulerParameters=batch_sched_delay=0"
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_Core"
  echo "# Trust the fake CPU counts below even when they exceed the machine."
  echo "SlurmdParameters=config_overrides"
  echo "ReturnToService=2"
  echo "KillWait=5"
  echo "SlurmdTimeout=30"
  echo "StateSaveLocation=$dir/state"
  echo "SlurmdSpoolDir=$dir/spool/%n"
  echo "SlurmctldPidFile=$dir/run/slurmctld.pid"
  echo "SlurmdPidFile=$dir/run/slurmd-%n.pid"
  echo "SlurmctldLogFile=$dir/log/slurmctld.log"
  echo "SlurmdLogFile=$dir/log/slurmd-%n.log"
  echo "NodeName=$node_expr NodeHostname=localhost NodeAddr=127.0.0.1 Port=$port_expr CPUs=$cpus" \
    "Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb State=UNKNOWN"
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=$oversubscribe"
  [ -z "${ASYNCFLOW_SLURM_CONF_EXTRA:-}" ] || printf '%s\n' "$ASYNCFLOW_SLURM_CONF_EXTRA"
} >"$conf.next"
export SLURM_CONF=$conf

# A pid file names a live process (not a zombie) whose command line mentions our directory.
live_pid() {
  local pid state
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/"
}
daemons_up() {
  live_pid "$dir/munge/munged.pid" && live_pid "$dir/run/slurmctld.pid" || return 1
  local i
  for i in $(seq 1 "$nodes"); do live_pid "$dir/run/slurmd-n$i.pid" || return 1; done
}
# Every node answers and is usable (idle, mixed or allocated; not down, drained or unresponsive).
nodes_ready() {
  local states
  states=$(sinfo --noheader --Node --format='%t' 2>/dev/null) || return 1
  [ "$(grep -cE '^(idle|mix|alloc)$' <<<"$states")" -eq "$nodes" ]
}

if cmp -s "$conf" "$conf.next" && daemons_up && nodes_ready; then
  rm -f "$conf.next"
  say "already running in $dir"
else
  ASYNCFLOW_SLURM_LOCK_HELD=$dir "$script_dir/stop.sh" >&2 || die "Cannot start Slurm as the old daemons did not stop"
  for p in $(seq "$port" $((port + nodes))); do
    if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      die "Cannot start Slurm as port $p is in use: set ASYNCFLOW_SLURM_PORT"
    fi
  done
  mv "$conf.next" "$conf"
  rm -rf "$dir/state" "$dir/spool" "$dir/log"
  mkdir -p "$dir/state" "$dir/log"
  for i in $(seq 1 "$nodes"); do mkdir -p "$dir/spool/n$i"; done
  if [ ! -s "$dir/munge/munge.key" ]; then
    (umask 077 && head -c 1024 /dev/urandom >"$dir/munge/munge.key")
  fi
  chmod 400 "$dir/munge/munge.key"
  started=$(date +%s)
  # The daemons fork into the background. Their early output goes to a log file, never to our
  # stdout (a caller capturing stdout with $(...) would otherwise wait for them), and they must not
  # inherit the lock descriptor.
  out=$dir/log/daemons.out
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" </dev/null >>"$out" 2>&1 8>&- || die "munged did not start"
  slurmctld -f "$conf" </dev/null >>"$out" 2>&1 8>&- || die "slurmctld did not start"
  for i in $(seq 1 "$nodes"); do
    slurmd -f "$conf" -N "n$i" </dev/null >>"$out" 2>&1 8>&- || die "slurmd n$i did not start"
  done
  until daemons_up && nodes_ready && timeout 20 srun --nodes=1 --ntasks=1 true >/dev/null 2>&1; do
    elapsed=$(($(date +%s) - started))
    [ "$elapsed" -lt "$wait_s" ] || die "Cannot start Slurm as it was not ready after ${elapsed} s"
    if [ "$elapsed" -ge 5 ] && ! daemons_up; then die "Cannot start Slurm as a daemon exited"; fi
    sleep 0.2
  done
  say "started in $(($(date +%s) - started)) s"
fi

say "Slurm $(sinfo --version | awk '{ print $2 }'): $nodes node(s) x $cpus CPUs in $dir (logs in $dir/log)"
say "stop with: $script_dir/stop.sh   (ASYNCFLOW_SLURM_DIR=$dir)"
echo "export SLURM_CONF=$conf"
