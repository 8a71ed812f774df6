# Shell helpers to run a private PostgreSQL server as the `postgres` user (the server
# refuses to run as root). Source this file; it defines the functions below.

# The newest installed server's bin directory.
pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$dir" ]] || { echo "no PostgreSQL server installed (run scripts/bootstrap)" >&2; return 1; }
    echo "$dir"
}

# pg_as_postgres CMD...: runs a command as the postgres user.
pg_as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_init DATADIR SOCKETDIR: creates a cluster (trust auth, UTF-8) unless one exists.
pg_init() {
    local data=$1 sock=$2 bin
    bin=$(pg_bindir)
    mkdir -p "$data" "$sock"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$data" "$sock"; fi
    chmod 700 "$data"
    if [[ ! -f "$data/PG_VERSION" ]]; then
        pg_as_postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
    fi
}

# pg_start DATADIR SOCKETDIR [EXTRA SERVER OPTIONS]: starts the server on a Unix socket
# only (no TCP port, so parallel runs never clash) unless it is running already.
pg_start() {
    local data=$1 sock=$2 bin
    shift 2
    bin=$(pg_bindir)
    if pg_as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then return 0; fi
    pg_as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$sock' $*" start >/dev/null ||
        { echo "PostgreSQL failed to start; its log:" >&2; tail -n 30 "$data/server.log" >&2; return 1; }
}

# pg_stop DATADIR: fast shutdown, if running.
pg_stop() {
    local data=$1 bin
    bin=$(pg_bindir)
    if pg_as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        pg_as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
}

# pg_ensure_database SOCKETDIR NAME: creates a superuser role for the calling user (so
# tests and tools connect without a password) and a database owned by it.
pg_ensure_database() {
    local sock=$1 name=$2 user
    user=$(id -un)
    if [[ "$user" != postgres ]]; then
        pg_as_postgres psql -X -q -h "$sock" -U postgres -d postgres -v ON_ERROR_STOP=1 -v u="$user" <<'SQL' >/dev/null
SELECT format('CREATE ROLE %I SUPERUSER LOGIN', :'u') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
SQL
    fi
    psql -X -q -h "$sock" -U "$user" -d postgres -v ON_ERROR_STOP=1 -v db="$name" <<'SQL' >/dev/null
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}
