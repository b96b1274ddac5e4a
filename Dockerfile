# syntax=docker/dockerfile:1
#
# Interhubz container image.
#
#   docker build -t interhubz .
#   docker run -d --name interhubz -p 8080:8080 -v interhubz-data:/data \
#     -e INTERHUBZ_ADMIN_PASSWORD=... interhubz
#
# Stages:
#   build   all dependencies (incl. dev) and the Vite build of the admin UI (ui/dist)
#   deps    production node_modules only, trimmed (one better-sqlite3 prebuild, no C sources,
#           no type declarations / source maps / READMEs)
#   rootfs  a minimal root filesystem taken from the same Debian bookworm base: the node binary,
#           the shared libraries it (and the few shell tools kept for debugging) link against,
#           CA bundle, time zones, passwd/group with user node (uid 1000); every shared library
#           (and the dynamic loader) that those binaries load is copied under its soname
#   final   FROM scratch: rootfs + the app. The full node:24-bookworm-slim base alone is larger
#           than this image's whole size budget (npm, C headers, locales, docs, apt, perl), so the
#           runtime does not inherit from it; it keeps exactly what the daemon runs on.
#
# The app runs as `node src/main.js`, as uid 1000, with its state (SQLite database, generated secret
# key) in the /data volume. src/ in the image is a bundle (scripts/bundle.ts, esbuild): the sources and
# the dependencies they import as a few minified ES modules, so the daemon neither loads Node's type
# stripper (~25 MB) nor ~1,400 separate files (their source text and metadata: ~10 MB of idle memory,
# and a faster start). node_modules stays for what the bundle leaves out and loads on first use
# (better-sqlite3, and the packages src/lazy-require.ts and src/matching/email.ts require).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: nothing here needs an install script. The `node` devDependency's preinstall
# would fetch a second Node 24 binary for npm scripts (this image has Node 24 already), and
# better-sqlite3 ships N-API prebuilds, so its implicit `node-gyp rebuild` (which would want
# python3, make and Node headers from the internet) has nothing to do.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
# The UI imports types from src/http/api-types.ts, so src comes along.
COPY src ./src
COPY ui ./ui
# → dist/src/*.js (main.js, the checkpoint worker, shared and lazily imported chunks) and
# dist/scripts/hash-password.js.
RUN npm run build:ui && node scripts/bundle.ts dist

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN set -eu; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund; \
    bs=node_modules/better-sqlite3; \
    keep="linux-$(node -p process.arch).node"; \
    test -f "$bs/prebuilds/$keep"; \
    find "$bs/prebuilds" -type f ! -name "$keep" -delete; \
    rm -rf "$bs/deps" "$bs/src" "$bs/binding.gyp" "$bs/build"; \
    find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.map' -o -iname 'readme.md' -o -iname 'readme' -o -iname 'changelog.md' -o -iname 'history.md' \) -delete; \
    rm -rf node_modules/.bin; \
    node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS rootfs
COPY --from=deps /app/node_modules/better-sqlite3/prebuilds/ /tmp/prebuilds/
# Shell tools kept for `docker exec -it interhubz sh` debugging (dash + a few coreutils).
# nsswitch.conf, the CA bundle and zoneinfo are copied when the base has them (the official slim
# image may lack ca-certificates; Node has its own root CAs and ICU time zone data anyway).
ARG TOOLS="sh ls id cat env cp mv rm mkdir chmod stat du df head tail wc touch sleep"
RUN set -eu; \
    r=/rootfs; \
    mkdir -p "$r/usr/bin" "$r/usr/local/bin" "$r/etc/ssl/certs" "$r/usr/share" "$r/usr/lib" \
             "$r/tmp" "$r/var/tmp" "$r/app" "$r/home" /owned/data /owned/node; \
    for l in bin lib lib64; do if [ -L "/$l" ]; then cp -P "/$l" "$r/$l"; fi; done; \
    cp /usr/local/bin/node "$r/usr/local/bin/node"; \
    for t in $TOOLS; do cp -L "$(command -v "$t")" "$r/usr/bin/$t"; done; \
    for f in "$r/usr/local/bin/node" "$r"/usr/bin/* /tmp/prebuilds/*.node; do ldd "$f"; done \
      | grep -o '/[^ ]*' | sort -u | while read -r lib; do \
          dir=$(readlink -f "$(dirname "$lib")"); mkdir -p "$r$dir"; cp -L "$lib" "$r$dir/"; \
        done; \
    cp /etc/passwd /etc/group "$r/etc/"; \
    cp -L /etc/os-release "$r/usr/lib/os-release"; ln -s ../usr/lib/os-release "$r/etc/os-release"; \
    for f in /etc/nsswitch.conf /etc/ssl/certs/ca-certificates.crt; do \
      if [ -f "$f" ]; then cp "$f" "$r$f"; fi; \
    done; \
    if [ -d /usr/share/zoneinfo ]; then cp -a /usr/share/zoneinfo "$r/usr/share/"; fi; \
    chmod 1777 "$r/tmp" "$r/var/tmp"; \
    grep -q '^node:x:1000:1000:' "$r/etc/passwd"; \
    chroot "$r" /usr/local/bin/node -e "require('node:os'); process.exit(0)"

# ---------------------------------------------------------------------------------------------
FROM scratch
COPY --from=rootfs /rootfs/ /
# /data (the volume) and the home directory belong to the runtime user; everything else is root's.
COPY --from=rootfs --chown=1000:1000 /owned/data /data
COPY --from=rootfs --chown=1000:1000 /owned/node /home/node
# glibc malloc, for idle memory (test/bench/RESULTS.md "startup memory"):
# - MALLOC_ARENA_MAX=1: otherwise each thread that allocates (V8's workers, libuv's pool) gets an
#   arena of its own, up to 8 per core, and an idle process keeps what they touched and the holes
#   their frees leave: 2-5 MB, varying from run to run. Small allocations go through each thread's
#   own cache (tcache) without the arena's lock; under load (autocannon on /readyz) the request
#   rate was the same with one arena as with two, and the memory ~10 MB less.
# - MALLOC_TRIM_THRESHOLD_=131072: glibc's default, made fixed. Left dynamic, the first large block
#   the start-up frees raises it to up to 64 MB, and free memory at the top of the heap is then
#   never returned. Fixing it also keeps blocks of 128 KB and more in mmap (returned on free), as
#   glibc does before that first raise.
ENV PATH=/usr/local/bin:/usr/bin \
    NODE_ENV=production \
    MALLOC_ARENA_MAX=1 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    HOME=/home/node
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/ui/dist ./ui/dist
COPY package.json config.example.yaml ./
COPY migrations ./migrations
COPY --from=build /app/dist/src ./src
# `docker run --rm -i interhubz node scripts/hash-password.js` makes an admin.passwordHash;
# `node scripts/migrate-store.js --from sqlite:/data/interhubz.db --to postgres://…` copies a stopped
# container's state into PostgreSQL (README "From one container to several").
COPY --from=build /app/dist/scripts/hash-password.js /app/dist/scripts/migrate-store.js ./scripts/
# Numeric so that runtimes can verify it is not root (Kubernetes runAsNonRoot).
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
# Uses node itself (the image has no curl); assumes the daemon listens on loopback too (HOST 0.0.0.0).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM from `docker stop` directly; the daemon shuts down
# gracefully on SIGTERM/SIGINT.
# V8's young generation (test/bench/RESULTS.md "the image's young generation"): capped at 16 MB
# semi-spaces (--max-semi-space-size=16; V8's own limit here is 64 MB), so a burst of webhooks grows it
# to at most ~48 MB. Capped at 2 MB instead, as until issue #19's sixteenth session, a delivery in a
# burst cost ~50 µs more in scavenges. V8 never gives a grown young generation back by itself (it
# collects only when the program allocates), so src/idle-memory.ts does, with gc() (--expose-gc),
# once the daemon has been quiet: after the start-up and after each burst.
# `npm run bench -- startup` and `-- ingest` start the build with the options of this line (one place).
CMD ["node", "--expose-gc", "--max-semi-space-size=16", "src/main.js"]
