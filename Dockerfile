# syntax=docker/dockerfile:1
# One image for every role: `serve` (api), `worker --role …`. Multi-stage: install and build with
# dev dependencies, then keep only production dependencies and the built output.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install-time code from dependencies; `prepare` (the build) runs explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
# Embedded defaults unless TOKENRADIUS_CONFIG names a mounted config file.
ENV NODE_ENV=production
# git: the `git` source type reads local clones mounted into the container.
RUN apt-get update && apt-get install -y --no-install-recommends git tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# The server answers /healthz as soon as it listens; /readyz also checks PostgreSQL and Redis.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM so workers close gracefully (BullMQ worker.close()).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/cli/main.js"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data"]
