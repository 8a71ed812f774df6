# Simulated hosts for `scripts/torture hosts` (root only): a Linux bridge with one veth pair
# per host, each host a network namespace whose agent runs in PID and UTS namespaces of its
# own (pid 1, host name hostN). Traffic flows only between these namespaces and the bridge
# address, where a private PostgreSQL listens. Source this file; hosts_down undoes
# everything hosts_up made, also after a failure.

hosts_tag=""
hosts_net=""
declare -A hosts_agent=()

# hosts_up COUNT: the bridge at $hosts_net.1 and COUNT namespaces at $hosts_net.(10+i).
hosts_up() {
    local count=$1 i
    hosts_tag=$$
    hosts_net="10.$((100 + RANDOM % 100)).$((RANDOM % 250))"
    ip link add "nxb$hosts_tag" type bridge
    ip addr add "$hosts_net.1/24" dev "nxb$hosts_tag"
    ip link set "nxb$hosts_tag" up
    for ((i = 1; i <= count; i++)); do
        ip netns add "nxh$hosts_tag-$i"
        ip link add "nxv$hosts_tag$i" type veth peer name "nxp$hosts_tag$i"
        ip link set "nxp$hosts_tag$i" netns "nxh$hosts_tag-$i"
        ip link set "nxv$hosts_tag$i" master "nxb$hosts_tag" up
        ip netns exec "nxh$hosts_tag-$i" ip addr add "$hosts_net.$((10 + i))/24" dev "nxp$hosts_tag$i"
        ip netns exec "nxh$hosts_tag-$i" ip link set "nxp$hosts_tag$i" up
        ip netns exec "nxh$hosts_tag-$i" ip link set lo up
    done
}

# hosts_down: stops every agent and removes the namespaces, veths and bridge.
hosts_down() {
    [[ -n "$hosts_tag" ]] || return 0
    local i
    for i in "${!hosts_agent[@]}"; do host_kill "$i"; done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^nxh$hosts_tag-" || true); do ip netns del "$ns" || true; done
    # A veth whose far end never reached its namespace (a setup that failed halfway).
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^nxv$hosts_tag" || true); do
        ip link del "$link" 2>/dev/null || true
    done
    ip link del "nxb$hosts_tag" 2>/dev/null || true
    hosts_tag=""
}

# host_start I LOG [VAR=VALUE…]: runs `nexus-ingest run` as pid 1 of a new PID namespace in
# host I's network namespace, with host name hostI and the given environment.
host_start() {
    local i=$1 logfile=$2
    shift 2
    ip netns exec "nxh$hosts_tag-$i" unshare --pid --fork --kill-child --mount-proc --uts \
        env "$@" sh -c "hostname host$i && exec '$cli' run" >>"$logfile" 2>&1 &
    hosts_agent[$i]=$!
}

# host_agent_pid I: the agent's pid as this namespace sees it (the child of unshare).
host_agent_pid() { pgrep -P "${hosts_agent[$1]}" | head -n 1; }

# host_kill I: kill -9 of host I's agent (the whole PID namespace goes with it).
host_kill() {
    local i=$1 pid
    [[ -n "${hosts_agent[$i]:-}" ]] || return 0
    pid=$(host_agent_pid "$i" || true)
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
    kill -9 "${hosts_agent[$i]}" 2>/dev/null || true
    wait "${hosts_agent[$i]}" 2>/dev/null || true
    unset "hosts_agent[$i]"
}

# host_stop I: SIGTERM to host I's agent, and wait for it (kill -9 after 60 s).
host_stop() {
    local i=$1 pid deadline=$((SECONDS + 60))
    [[ -n "${hosts_agent[$i]:-}" ]] || return 0
    pid=$(host_agent_pid "$i" || true)
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "${hosts_agent[$i]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    host_kill "$i"
}

# host_link I up|down: host I's cable (the bridge side of its veth); no process is touched.
host_link() { ip link set "nxv$hosts_tag$1" "$2"; }
