# The operator's image: built in one stage (npm ci, TypeScript to dist/, the workflow bundle), shipped in
# another with only the production node_modules and dist/, running as the unprivileged `node` user.
#   docker build -t cassandra-backup-operator:0.1.0 .
# Both stages use the same pinned Node 20 base (the operator's engines field); the worker's native
# Temporal core comes prebuilt with @temporalio/core-bridge for linux-x64 and linux-arm64 (glibc).
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-dist.ts ./scripts/
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build:dist && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# uid 1000 of the base image; numeric, so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8081
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
