# sei-sync: one image for every command (worker, schedule, migrate, run-now, status, sync).
#   docker build -t sei-sync .
#   docker run --rm sei-sync --help

# ---- build: all dependencies, compile TypeScript, then drop the dev dependencies ----
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY jobs ./jobs
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && chmod +x dist/src/cli.js

# ---- runtime: production dependencies and the compiled code, as the non-root `node` user ----
FROM node:22-slim
# tini is PID 1: it forwards SIGTERM/SIGINT to node (which then stops after the current page) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
ENV NODE_ENV=production \
    SEI_SYNC_DATA_DIR=/data \
    OPS_PORT=9464
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/src/cli.js /usr/local/bin/sei-sync
USER node
EXPOSE 9464
# Liveness of the worker's ops server; one-shot services (migrate, schedule) disable it in compose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OPS_PORT || 9464) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "sei-sync"]
CMD ["worker"]
