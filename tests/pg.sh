#!/bin/sh
# A private PostgreSQL 15 cluster for the tests: its socket and data in DIR,
# no TCP unless a port is given, stopped by "stop".
#   tests/pg.sh start DIR [PORT]   initdb (as postgres when run as root: it
#                                  refuses root), start, and make the roles
#                                  pwadmin_owner (owns the schema),
#                                  pwadmind_runtime (NOLOGIN: the rows) and
#                                  pwadmind (LOGIN, member of the runtime role)
#   tests/pg.sh stop DIR           pg_ctl stop -m fast, then remove DIR
#   tests/pg.sh kill DIR           pg_ctl stop -m immediate (DIR is kept)
#   tests/pg.sh restart DIR        pg_ctl start again after kill
#   tests/pg.sh db DIR NAME        a new database NAME owned by pwadmin_owner
#   tests/pg.sh tls DIR PASS       TLS on 127.0.0.1 (a cluster started with a
#                                  PORT) with a certificate for
#                                  localhost signed by a CA made here
#                                  (DIR/tls/ca.crt, and DIR/tls/other-ca.crt
#                                  that signed nothing); role pwadmind logs
#                                  in over it with password PASS (SCRAM),
#                                  written to the passfile DIR/tls/pgpass
#   tests/pg.sh standby DIR PRIMARY PORT
#                                  a streaming standby of the cluster in
#                                  PRIMARY (started with a port), named
#                                  standby1, on 127.0.0.1:PORT
#   tests/pg.sh sync DIR NAME      makes the standby NAME synchronous for the
#                                  primary in DIR, and waits until it is
#   tests/pg.sh promote DIR        promotes the standby in DIR
#   tests/pg.sh sql DIR NAME SQL   runs SQL in database NAME as the superuser
#                                  and prints the rows (unaligned, no header)
set -eu
cmd=${1:?usage: tests/pg.sh start|stop|kill|restart|db DIR ...}
dir=${2:?usage: tests/pg.sh $cmd DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || {
	echo "tests/pg.sh: no PostgreSQL server (install postgresql)" >&2
	exit 1
}

as_pg() { # runs a PostgreSQL program as its owner (postgres under root)
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_of() { # the cluster's port (its socket's name): 5432 unless given
	cat "$dir/port" 2>/dev/null || echo 5432
}

psql_su() {
	"$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$(port_of)" \
		-U postgres -d postgres -c "$1" >/dev/null
}

case $cmd in
start)
	port=${3:-}
	mkdir -p "$dir"
	chmod 0755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync \
		-E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	listen="''"
	[ -n "$port" ] && listen="'127.0.0.1'"
	echo "${port:-5432}" >"$dir/port"
	cat >>"$dir/data/postgresql.conf" <<EOF
unix_socket_directories = '$dir'
listen_addresses = $listen
port = ${port:-5432}
max_connections = 200
fsync = on
synchronous_commit = on
EOF
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
		>/dev/null
	psql_su "CREATE ROLE pwadmin_owner LOGIN;
		CREATE ROLE pwadmind_runtime NOLOGIN;
		CREATE ROLE pwadmind LOGIN IN ROLE pwadmind_runtime;"
	;;
db)
	psql_su "CREATE DATABASE \"${3:?a database name}\" OWNER pwadmin_owner"
	;;
tls)
	port=$(cat "$dir/port")
	pass=${3:?a password}
	t=$dir/tls
	mkdir -p "$t"
	(
		cd "$t"
		for ca in ca other-ca; do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -keyout "$ca.key" -out "$ca.crt" -days 2 \
				-subj "/CN=pwadmin test $ca" >/dev/null 2>&1
		done
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj /CN=localhost \
			>/dev/null 2>&1
		printf 'subjectAltName=DNS:localhost\n' >san.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
			-CAcreateserial -out server.crt -days 2 -extfile san.ext \
			>/dev/null 2>&1
		printf 'localhost:%s:*:pwadmind:%s\n' "$port" "$pass" >pgpass
		chmod 0600 server.key pgpass
	)
	[ "$(id -u)" -eq 0 ] && chown postgres: "$t/server.key" "$t/server.crt"
	cat >>"$dir/data/postgresql.conf" <<EOF
ssl = on
ssl_cert_file = '$t/server.crt'
ssl_key_file = '$t/server.key'
password_encryption = 'scram-sha-256'
EOF
	# TCP only with TLS and a password; the socket keeps trust for the tests
	printf '%s\n' 'local all all trust' \
		'hostssl all pwadmind 127.0.0.1/32 scram-sha-256' \
		>"$dir/data/pg_hba.conf"
	psql_su "ALTER ROLE pwadmind PASSWORD '$pass'"
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		restart >/dev/null
	;;
standby)
	primary=${3:?the primary dir}
	port=${4:?a port}
	pport=$(cat "$primary/port")
	mkdir -p "$dir"
	chmod 0755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	echo "$port" >"$dir/port"
	as_pg "$bin/pg_basebackup" -h "$primary" -p "$pport" -U postgres \
		-D "$dir/data" -R -X stream >"$dir/basebackup.log" 2>&1 || {
		cat "$dir/basebackup.log" >&2
		exit 1
	}
	cat >>"$dir/data/postgresql.conf" <<EOF
unix_socket_directories = '$dir'
port = $port
EOF
	# after the line -R wrote there (the last one counts): a name for
	# synchronous_standby_names
	echo "primary_conninfo = 'host=$primary port=$pport user=postgres" \
	    "application_name=standby1'" >>"$dir/data/postgresql.auto.conf"
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
		>/dev/null
	;;
sync)
	name=${3:?a name}
	psql_su "ALTER SYSTEM SET synchronous_standby_names = '$name'"
	psql_su "SELECT pg_reload_conf()"
	q="SELECT count(*) FROM pg_stat_replication WHERE application_name = '$name' AND sync_state = 'sync'"
	i=0
	while [ "$("$bin/psql" -X -A -t -h "$dir" -p "$(port_of)" -U postgres \
	    -d postgres -c "$q")" != 1 ]; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "tests/pg.sh: $name never became synchronous" >&2
			exit 1
		fi
		sleep 0.1
	done
	;;
promote)
	as_pg "$bin/pg_ctl" -D "$dir/data" -w -t 60 promote >/dev/null
	;;
sql)
	"$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$dir" -p "$(port_of)" -U postgres \
		-d "${3:?a database name}" -c "${4:?SQL}"
	;;
stop)
	[ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w \
		stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
kill)
	as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	;;
restart)
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null
	;;
*)
	echo "tests/pg.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
