#!/usr/bin/env bash
# nginx as the TLS-terminating proxy in front of two server instances (the scale-out test), Debian's package only:
#   nginx.sh --install   make sure nginx is installed: apt-get install -y nginx, only when it is missing and CI=true or
#                        NGINX_INSTALL=true (exit 2 otherwise); what ./test.sh runs
#   nginx.sh DIR PORT PORT_A PORT_B UPSTREAM_A UPSTREAM_B
#                        writes DIR/nginx.conf and a self-signed certificate (openssl), then runs nginx as the current
#                        user in the foreground (daemon off, exec'd: the script's pid is nginx's master, which the caller
#                        tracks and stops by pid, see tests/watch.sh), pid, logs and temp files in DIR: https://127.0.0.1:PORT round-robin to both upstreams
#                        (host:port), https://127.0.0.1:PORT_A only to A and PORT_B only to B. All three forward
#                        X-Forwarded-For/-Proto and X-Forwarded-Host 127.0.0.1:PORT, so an instance sees one public URL
#                        whichever port a request came through.
set -euo pipefail

find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

install() {
  [ -n "$(find_nginx)" ] && return 0
  if [ "${CI:-}" = true ] || [ "${NGINX_INSTALL:-}" = true ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >&2
    [ -n "$(find_nginx)" ] && return 0
  fi
  echo "nginx is not installed (CI=true or NGINX_INSTALL=true lets tests/scaleout/nginx.sh apt-get install it)" >&2
  return 2
}

case "${1:-}" in
  --install) install; exit ;;
esac

usage="usage: nginx.sh DIR PORT PORT_A PORT_B UPSTREAM_A UPSTREAM_B"
dir=${1:?$usage}; port=${2:?$usage}; port_a=${3:?$usage}; port_b=${4:?$usage}; a=${5:?$usage}; b=${6:?$usage}
install
nginx=$(find_nginx)
mkdir -p "$dir/temp"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/tls.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
fi
# As root the workers would switch to "nobody", who cannot write the temp folder; they stay root then.
user=""; [ "$(id -u)" = 0 ] && user="user root;"

server() { # listen port, upstream name
  cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl;
    ssl_certificate $dir/tls.crt;
    ssl_certificate_key $dir/tls.key;
    location / {
      proxy_pass http://$2;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host 127.0.0.1:$port;
      proxy_read_timeout 300s;
      proxy_buffering off;
    }
  }
CONF
}

cat >"$dir/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 512; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/temp/body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  client_max_body_size 64m;
  # Round robin; a refused connection (an instance that died) moves the request to the other one.
  upstream both { server $a max_fails=1 fail_timeout=5s; server $b max_fails=1 fail_timeout=5s; keepalive 8; }
  upstream only_a { server $a; }
  upstream only_b { server $b; }
$(server "$port" both)
$(server "$port_a" only_a)
$(server "$port_b" only_b)
}
CONF
"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -t >"$dir/check.log" 2>&1 || { cat "$dir/check.log" >&2; exit 1; }
exec "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >&2
